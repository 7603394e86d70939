// sysconf docs [--format md|man]: the reference of every declared option
// that is not internal, system and home: the host's (its own modules'
// options included), or, with no host to pick (no --host, and none named
// like the machine or by defaultHost; or no configuration at all), the
// library's alone, so that the reference can be read before a first host.
#include <cstdio>
#include <filesystem>
#include <functional>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/host_session.h"
#include "cli/value_text.h"
#include "declare/option_tree.h"
#include "load/loader.h"
#include "load/repo.h"

namespace sc {

namespace {

struct DocEntry {
  std::string name;
  const OptionInfo* option;
};

// Every non-internal option of `tree` below `prefix`, with the sub-options of
// submodule types spelled as NixOS does: `etc.<name>.text`, `list.*.x`.
void collect(const OptionTree& tree, const std::string& prefix, std::vector<DocEntry>& out, int depth) {
  for (const OptionInfo* o : tree.options()) {
    if (o->decl->internal) continue;
    std::string name = prefix.empty() ? o->name : prefix + "." + o->name;
    out.push_back(DocEntry{name, o});
    const Type* t = o->type;
    std::string suffix;
    for (;;) {
      if (t->kind == Type::Kind::AttrsOf) suffix += ".<name>";
      else if (t->kind == Type::Kind::ListOf) suffix += ".*";
      else if (t->kind != Type::Kind::NullOr) break;
      t = t->elem;
    }
    if (t->kind == Type::Kind::Submodule && depth < 8) collect(*t->options, name + suffix, out, depth + 1);
  }
}

std::string escape_roff(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\\') out += "\\e";
    else if (c == '-') out += "\\-";
    else out += c;
  }
  // A line starting with . or ' is a roff request.
  if (!out.empty() && (out[0] == '.' || out[0] == '\'')) out.insert(0, "\\&");
  return out;
}

void write_markdown(std::string& out, const std::string& title, const std::vector<DocEntry>& entries,
                    const SourceFiles& files) {
  if (!out.ends_with("\n\n")) out += '\n';
  out += fmt::format("## {}\n\n", title);
  if (entries.empty()) out += "None.\n";
  for (const DocEntry& e : entries) {
    const OptionDecl& d = *e.option->decl;
    out += fmt::format("### `{}`\n\n", e.name);
    if (!d.description.empty()) out += fmt::format("{}\n\n", d.description);
    out += fmt::format("- Type: `{}`\n", describe_type(*e.option->type));
    if (d.default_value) {
      out += fmt::format("- Default: `{}`\n", show_source_value(d.default_value));
    } else if (e.option->type->kind == Type::Kind::NullOr) {
      out += "- Default: `null`\n";
    }
    if (d.example) out += fmt::format("- Example: `{}`\n", show_source_value(d.example));
    if (d.read_only) out += "- Read-only\n";
    out += fmt::format("- Declared in: `{}`\n", files.display(e.option->pos.file));
    if (&e != &entries.back()) out += '\n';
  }
}

void write_man(std::string& out, const std::string& title, const std::vector<DocEntry>& entries,
               const SourceFiles& files) {
  out += fmt::format(".SH \"{}\"\n", escape_roff(title));
  for (const DocEntry& e : entries) {
    const OptionDecl& d = *e.option->decl;
    out += fmt::format(".TP\n.B {}\n", escape_roff(e.name));
    if (!d.description.empty()) out += fmt::format("{}\n", escape_roff(d.description));
    out += fmt::format(".RS\n.PP\nType: {}\n", escape_roff(describe_type(*e.option->type)));
    if (d.default_value) {
      out += fmt::format(".br\nDefault: {}\n", escape_roff(show_source_value(d.default_value)));
    } else if (e.option->type->kind == Type::Kind::NullOr) {
      out += ".br\nDefault: null\n";
    }
    if (d.example) out += fmt::format(".br\nExample: {}\n", escape_roff(show_source_value(d.example)));
    out += fmt::format(".br\nDeclared in: {}\n.RE\n", escape_roff(files.display(e.option->pos.file)));
  }
}

}  // namespace

int run_docs(CommandContext& ctx, const DocsOptions& options) {
  if (options.format != "md" && options.format != "man") {
    fmt::print(stderr, "error: --format must be md or man\n");
    return kExitUsage;
  }
  // The host's library and declarations, or the library's alone.
  std::unique_ptr<HostSession> session;
  std::vector<std::string> library_dirs;
  std::string dir = find_config_dir(ctx.options().config_dir);
  Diagnostics probe;
  auto repo = std::filesystem::exists(dir + "/sysconf.toml") ? load_repo(dir, ctx.files(), probe) : std::nullopt;
  if (ctx.options().host || (repo && !probe.has_errors() && select_host(*repo, std::nullopt, probe))) {
    session = open_host(ctx, false);
    if (!session) return ctx.report();
    library_dirs = session->host.host->library_dirs;
  } else {
    library_dirs.push_back(default_library_dir(dir));
    if (!std::filesystem::is_directory(library_dirs.back())) {
      ctx.diags().error(fmt::format("no module library at `{}`", library_dirs.back()), SourcePos{},
                        "name the configuration with --config DIR (its modules/ is the library)");
      return ctx.report();
    }
  }
  std::vector<DocEntry> system;
  std::unique_ptr<LibraryDeclarations> library;
  if (session) {
    collect(session->host.system->decls->tree, "", system, 0);
  } else {
    library = declare_library(library_dirs, false, ctx);
    if (!library->decls || ctx.diags().has_errors()) return ctx.report();
    collect(library->decls->tree, "", system, 0);
  }
  // The home options: the library's home modules, declared on their own.
  auto home_library = declare_library(library_dirs, true, ctx);
  if (!home_library->decls || ctx.diags().has_errors()) return ctx.report();
  std::vector<DocEntry> home;
  collect(home_library->decls->tree, "", home, 0);

  auto by_name = [](const DocEntry& a, const DocEntry& b) { return a.name < b.name; };
  std::sort(system.begin(), system.end(), by_name);
  std::sort(home.begin(), home.end(), by_name);
  std::string out;
  if (options.format == "md") {
    out += "# sysconf option reference\n\n";
    write_markdown(out, "System options", system, ctx.files());
    write_markdown(out, "Home options", home, ctx.files());
  } else {
    out += fmt::format(".TH SYSCONF-OPTIONS 5 \"\" \"sysconf {}\" \"sysconf options\"\n", SYSCONF_VERSION);
    out += ".SH NAME\nsysconf\\-options \\- every option of a sysconf configuration\n";
    write_man(out, "SYSTEM OPTIONS", system, ctx.files());
    write_man(out, "HOME OPTIONS", home, ctx.files());
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return ctx.report();
}

}  // namespace sc
