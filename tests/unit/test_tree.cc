#include "test_tree.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "load/condition.h"

namespace sc::test {

TestTree::TestTree() {
  char tmpl[] = "/tmp/sysconf-unit-XXXXXX";
  dir_ = mkdtemp(tmpl);
}

TestTree::~TestTree() { std::filesystem::remove_all(dir_); }

void TestTree::write(const std::string& relative, const std::string& text) {
  std::filesystem::path p = path(relative);
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

EvaluatedConfig& TestTree::evaluate(const std::vector<std::string>& entries) {
  std::vector<ModuleRoot> roots;
  for (const auto& e : entries) roots.push_back(ModuleRoot{path(e), {}});
  config_ = prepare(roots, files_, diags_, nullptr);
  return *config_;
}

std::string TestTree::json(const std::vector<std::string>& entries) {
  EvaluatedConfig& c = evaluate(entries);
  if (!c.ok) return "ERROR";
  const Value* v = c.eval->whole_tree();
  if (diags_.has_errors()) return "ERROR";
  return to_json(v);
}

std::string TestTree::json_of(const std::string& dotted) {
  std::vector<std::string> p;
  ParseFailure failure;
  if (!parse_option_path(dotted, p, failure) || !config_ || !config_->ok) return "ERROR";
  auto r = config_->eval->lookup(p);
  if (r.status != Evaluation::Status::Value) return "ERROR";
  return to_json(r.value);
}

std::string TestTree::messages() const {
  std::string out;
  for (const Diagnostic& d : diags_.all()) out += d.message + "\n";
  return out;
}

}  // namespace sc::test
