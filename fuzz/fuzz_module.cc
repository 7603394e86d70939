// Fuzzes the module loader's conversion of TOML into modules: parse_module
// on arbitrary bytes, then the declare stage and an evaluation of whatever
// came out, so that no input crashes the stages after parsing either.
#include <cstddef>
#include <cstdint>
#include <string>

#include "declare/option_tree.h"
#include "eval/evaluation.h"
#include "load/module_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sc::SourceFiles files;
  sc::Diagnostics diags;
  sc::Arena arena;
  std::string path = "/fuzz/module.toml";
  sc::FileId file = files.add(path);
  std::string text(reinterpret_cast<const char*>(data), size);
  auto module = sc::parse_module(text, path, file, arena, diags);
  if (!module) return 0;
  std::vector<sc::Module> modules;
  modules.push_back(std::move(*module));
  auto decls = sc::declare_options(modules, diags);
  if (diags.has_errors()) return 0;
  sc::Evaluation eval(modules, *decls, files, diags);
  if (!eval.index()) return 0;
  eval.whole_tree();
  eval.run_checks();
  return 0;
}
