// A configuration written to a temporary directory and evaluated through the
// real stages, for unit tests of the engine.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "eval/pipeline.h"
#include "util/json_writer.h"

namespace sc::test {

class TestTree {
 public:
  TestTree();
  ~TestTree();
  // Writes `text` to `relative` inside the tree (creating directories).
  void write(const std::string& relative, const std::string& text);
  std::string path(const std::string& relative) const { return dir_ + "/" + relative; }

  // Loads `entries` (in order) as the roots and prepares an evaluation.
  EvaluatedConfig& evaluate(const std::vector<std::string>& entries);
  // The evaluation `evaluate` or `json` made last.
  EvaluatedConfig& evaluated() { return *config_; }
  // The whole tree, or one path, as compact JSON; "ERROR" when it failed.
  std::string json(const std::vector<std::string>& entries);
  std::string json_of(const std::string& dotted);
  // Every diagnostic message so far, one a line.
  std::string messages() const;
  Diagnostics& diags() { return diags_; }
  SourceFiles& files() { return files_; }

 private:
  std::string dir_;
  SourceFiles files_;
  Diagnostics diags_;
  std::unique_ptr<EvaluatedConfig> config_;
};

}  // namespace sc::test
