// Store hashing and naming, manifests, and the format serialisers.
#include <catch2/catch.hpp>

#include "util/formats.h"
#include "store/manifest.h"
#include "store/store.h"
#include "test_tree.h"
#include "util/json_out.h"

#include <nlohmann/json.hpp>

using namespace sc;

TEST_CASE("object names are content addresses") {
  Sha256 a = file_object_hash("hello\n", false);
  CHECK(file_object_hash("hello\n", false) == a);
  CHECK(file_object_hash("hello\n", true) != a);  // the executable bit is content
  CHECK(file_object_hash("hello", false) != a);
  std::string name = object_name(a, "/etc/ssh/sshd config");
  CHECK(name.size() == 32 + 1 + std::string("sshd_config").size());
  CHECK(name.substr(33) == "sshd_config");
  CHECK(name.find_first_of("eotu", 0) >= 32);  // Nix's alphabet has no e, o, t, u
}

TEST_CASE("a directory's hash covers names, kinds and contents, in sorted order") {
  TreeEntry x;
  x.children["b"].kind = TreeEntry::Kind::File;
  x.children["b"].content = "1";
  x.children["a"].kind = TreeEntry::Kind::Symlink;
  x.children["a"].target = "../t";
  TreeEntry y = x;
  CHECK(Store::hash_tree(x) == Store::hash_tree(y));
  y.children["a"].target = "../u";
  CHECK(Store::hash_tree(x) != Store::hash_tree(y));
  TreeEntry z = x;
  z.children["b"].executable = true;
  CHECK(Store::hash_tree(x) != Store::hash_tree(z));
}

TEST_CASE("manifests round-trip through JSON") {
  Manifest m;
  m.host = "vivobook";
  m.sysconf_version = "0.1.0";
  m.build_time = "2026-11-25T00:00:00Z";
  m.revision = "0123456789012345678901234567890123456789";
  m.dirty = true;
  ManifestFile f;
  f.path = "/etc/hostname";
  f.type = "file";
  f.object = "abc-hostname";
  m.files.push_back(f);
  ManifestFile s;
  s.path = "/etc/secret";
  s.type = "secret";
  s.secret = "/root/secrets/x";
  s.mode = "0400";
  m.files.push_back(s);
  ManifestHome h;
  h.user = "craig";
  h.home = "/home/craig";
  h.generation = "def-sysconf-home-craig";
  ManifestFile hf;
  hf.path = ".config/kitty/kitty.conf";
  hf.type = "file";
  hf.object = "ghi-kitty.conf";
  hf.on_change = "kill -USR1 kitty";
  h.files.push_back(hf);
  m.homes.push_back(h);
  m.packages = {"git"};
  m.hooks.push_back(ManifestHook{"sysusers", {"systemd-sysusers"}, {"/etc/sysusers.d/sysconf.conf"}, "--root", "h1"});
  auto back = Manifest::from_json(m.to_json());
  REQUIRE(back.ok());
  CHECK(back->to_json() == m.to_json());
  CHECK(back->file("/etc/secret")->secret == "/root/secrets/x");
  CHECK(back->home("craig")->files[0].on_change == "kill -USR1 kitty");
  // The text a generation is hashed by leaves out the build time only.
  CHECK(m.to_json(false).find("buildTime") == std::string::npos);
  CHECK(m.to_json(true).find("buildTime") != std::string::npos);
  CHECK_FALSE(Manifest::from_json("{\"format\": \"other\"}").ok());
}

TEST_CASE("a manifest entry of an unknown type, or without its content, is refused (found by fuzz_manifest)") {
  auto manifest = [](const std::string& file) {
    return "{\"format\": \"sysconf-generation-1\", \"homes\": [], \"files\": [" + file + "]}";
  };
  auto refused = [&](const std::string& file) {
    auto m = Manifest::from_json(manifest(file));
    return m.ok() ? std::string("accepted") : m.message();
  };
  CHECK(Manifest::from_json(manifest(R"({"path": "/etc/a", "type": "file", "object": "abc-a"})")).ok());
  CHECK(refused(R"({"path": "/etc/a", "type": "fnle", "object": "abc-a"})") == "/etc/a: unknown entry type \"fnle\"");
  CHECK(refused(R"({"path": "/etc/a", "type": "file"})") == "/etc/a: a file entry without its object");
  CHECK(refused(R"({"path": "/etc/a", "type": "symlink", "target": ""})") == "/etc/a: a symlink entry without its target");
}

TEST_CASE("JsonOut writes indented JSON that parses back to the same document") {
  JsonOut out;
  out.begin_object();
  out.key("name").string("a \"quoted\"\nline\x01");
  out.key("empty list").begin_array().end_array();
  out.key("empty table").begin_object().end_object();
  out.key("list").begin_array().integer(-3).boolean(false).null().optional_string(std::nullopt).end_array();
  out.key("nested").begin_object().key("uid").optional_integer(1000).end_object();
  out.end_object();
  std::string text = out.finish();
  CHECK(text ==
        "{\n"
        "  \"name\": \"a \\\"quoted\\\"\\nline\\u0001\",\n"
        "  \"empty list\": [],\n"
        "  \"empty table\": {},\n"
        "  \"list\": [\n    -3,\n    false,\n    null,\n    null\n  ],\n"
        "  \"nested\": {\n    \"uid\": 1000\n  }\n"
        "}\n");
  auto parsed = nlohmann::json::parse(text);
  CHECK(parsed["name"] == "a \"quoted\"\nline\x01");
  CHECK(parsed["nested"]["uid"] == 1000);
}

TEST_CASE("the store answers existence from its listing once a build asks about many objects") {
  sc::test::TestTree t;
  t.write("root/.keep", "");
  Root root(t.path("root"));
  std::vector<std::string> names;
  {
    Store store(root, false);
    for (int i = 0; i < 100; ++i) names.push_back(store.add_file("f", std::to_string(i), false));
    store.commit();
  }
  Store store(root, false);
  // Past the first lookups the answers come from the directory's listing.
  for (int round = 0; round < 2; ++round)
    for (const std::string& n : names) CHECK(store.exists(n));
  CHECK_FALSE(store.exists(object_name(file_object_hash("absent", false), "f")));
  // An object added after the listing was read is known too.
  std::string added = store.add_file("f", "new", false);
  CHECK(store.objects_written() == 1);
  CHECK(store.add_file("f", "new", false) == added);
  store.commit();
  CHECK(store.exists(added));
  CHECK(store.objects_written() == 1);
}

namespace {
// Settings written as TOML in a module, evaluated through the real stages.
std::string formatted(const std::string& format, const std::string& settings_toml) {
  sc::test::TestTree t;
  t.write("m.toml", "[options.s]\ntype = \"anything\"\n[config.s]\n" + settings_toml);
  EvaluatedConfig& c = t.evaluate({"m.toml"});
  auto r = c.eval->lookup({"s"});
  REQUIRE(r.status == Evaluation::Status::Value);
  auto text = render_format(format, r.value);
  return text.ok() ? text.value() : "ERROR: " + text.message();
}
}  // namespace

TEST_CASE("formats: ini with a global section and repeated keys for lists") {
  CHECK(formatted("ini", "top = 1\n[config.s.main]\nfont = \"Inter 11\"\nlist = [\"a\", \"b\"]\nflag = true\n") ==
        "top=1\n\n[main]\nflag=true\nfont=Inter 11\nlist=a\nlist=b\n");
}

TEST_CASE("formats: keyvalue quotes what a shell would split") {
  CHECK(formatted("keyvalue", "EDITOR = \"nvim\"\nGREETING = \"hello world\"\nN = 3\nQ = 'say \"hi\" $HOME'\n") ==
        "EDITOR=nvim\nGREETING=\"hello world\"\nN=3\nQ=\"say \\\"hi\\\" \\$HOME\"\n");
}

TEST_CASE("formats: json, toml and yaml come from real writers and re-parse") {
  std::string settings = "name = \"bar\"\nheight = 30\n[config.s.inner]\nlist = [1, 2]\n";
  CHECK(formatted("json", settings) == "{\n  \"height\": 30,\n  \"inner\": {\n    \"list\": [\n      1,\n      2\n    ]\n  },\n  \"name\": \"bar\"\n}\n");
  std::string toml = formatted("toml", settings);
  CHECK(toml.find("height = 30") != std::string::npos);
  CHECK(toml.find("[inner]") != std::string::npos);
  std::string yaml = formatted("yaml", settings);
  CHECK(yaml.find("height: 30") != std::string::npos);
  CHECK(formatted("ini", "[config.s.a.b]\nc = 1\n").rfind("ERROR: ini section [a] cannot hold the table `b`", 0) == 0);
}

TEST_CASE("formats: kdl writes keys as node heads, lists as arguments or repeated nodes, true as a flag") {
  std::string settings =
      "prefer-no-csd = true\n"
      "hidden = false\n"
      "spawn-at-startup = [[\"waybar\"], [\"mako\", \"--config\", \"a \\\"b\\\"\"]]\n"
      "window-rule = [{ 'match app-id=\"firefox\"' = true, opacity = 0.9 }]\n"
      "[config.s.'output \"eDP-1\"']\nscale = 1.25\n"
      "[config.s.binds.\"Mod+T\"]\nspawn = \"kitty\"\n";
  CHECK(formatted("kdl", settings) ==
        "binds {\n    Mod+T {\n        spawn \"kitty\"\n    }\n}\n"
        "output \"eDP-1\" {\n    scale 1.25\n}\n"
        "prefer-no-csd\n"
        "spawn-at-startup \"waybar\"\n"
        "spawn-at-startup \"mako\" \"--config\" \"a \\\"b\\\"\"\n"
        "window-rule {\n    match app-id=\"firefox\"\n    opacity 0.9\n}\n");
  CHECK(formatted("kdl", "x = [{ a = 1 }, 2]\n") == "ERROR: the KDL node `x` mixes tables or lists with scalars");
}

TEST_CASE("formats: sh exports each key, escaping what a double-quoted string would expand except $") {
  CHECK(formatted("sh", "PATH = \"$HOME/.local/bin:$PATH\"\nQ = 'say \"hi\" `x` \\\\'\nN = 3\n") ==
        "export N=\"3\"\nexport PATH=\"$HOME/.local/bin:$PATH\"\nexport Q=\"say \\\"hi\\\" \\`x\\` \\\\\\\\\"\n");
}

TEST_CASE("formats: systemd writes [Unit] first and [Install] last, repeats keys for lists, leaves out null") {
  std::string settings =
      "[config.s.Install]\nWantedBy = [\"multi-user.target\"]\n"
      "[config.s.Service]\nExecStart = [\"\", \"/bin/foo --bar\"]\nRestart = \"on-failure\"\nNice = -5\n"
      "RemainAfterExit = true\n"
      "[config.s.Unit]\nDescription = \"Foo, the service\"\nAfter = [\"network.target\", \"b.service\"]\n"
      "[config.s.X-Empty]\n";
  CHECK(formatted("systemd", settings) ==
        "[Unit]\nAfter=network.target\nAfter=b.service\nDescription=Foo, the service\n"
        "\n[Service]\nExecStart=\nExecStart=/bin/foo --bar\nNice=-5\nRemainAfterExit=true\nRestart=on-failure\n"
        "\n[Install]\nWantedBy=multi-user.target\n");
  CHECK(formatted("systemd", "top = 1\n") == "ERROR: a unit file holds sections: `top` must be a table, not an integer");
  CHECK(formatted("systemd", "[config.s.Service]\nExecStart = \"a\\nb\"\n") ==
        "ERROR: the unit setting ExecStart= in [Service] holds a newline; a list repeats the setting instead");
  CHECK(formatted("systemd", "[config.s.Service]\n'Exec Start' = \"a\"\n") ==
        "ERROR: `Exec Start` in [Service] is not a unit setting's name");
}

TEST_CASE("formats: systemd writes a table inside a section as a group of settings, in the group's place") {
  // Groups keep the order a module gives (Description before After), which a
  // section's own keys, sorted, cannot.
  CHECK(formatted("systemd", "[config.s.Unit]\n\"1\" = { Description = \"d\" }\n\"2\" = { After = \"a b\", "
                             "Wants = [\"w\"] }\n\"3\" = { skipped = {} }\nZ-Own = 1\n") ==
        "[Unit]\nDescription=d\nAfter=a b\nWants=w\nZ-Own=1\n");
  CHECK(formatted("systemd", "[config.s.Service.x]\n'y z' = 1\n") == "ERROR: `y z` in [Service] is not a unit setting's name");
}

TEST_CASE("formats: gitconfig quotes strings, nests subsections and repeats keys for lists") {
  std::string settings =
      "[config.s.user]\nname = 'Craig \"C\" Smith'\nemail = \"c@example.org\"\n"
      "[config.s.core]\nautocrlf = false\nabbrev = 12\nhooksPath = 'C:\\dir'\n"
      "[config.s.alias]\nlg = \"log --graph # all\\n\\tmore\"\n"
      "[config.s.remote.origin]\nurl = \"git@example.org:me/repo.git\"\nfetch = [\"+refs/heads/*:refs/remotes/origin/*\", \"+refs/tags/*:refs/tags/*\"]\n"
      "[config.s.url.'git@github.com:'.x]\ninsteadOf = \"gh:\"\n"
      "[config.s.url.'say \"hi\"']\ninsteadOf = \"q:\"\n";
  CHECK(formatted("gitconfig", settings) ==
        "[alias]\n\tlg = \"log --graph # all\\n\\tmore\"\n"
        "\n[core]\n\tabbrev = 12\n\tautocrlf = false\n\thooksPath = \"C:\\\\dir\"\n"
        "\n[remote \"origin\"]\n\tfetch = \"+refs/heads/*:refs/remotes/origin/*\"\n\tfetch = \"+refs/tags/*:refs/tags/*\"\n"
        "\turl = \"git@example.org:me/repo.git\"\n"
        "\n[url \"git@github.com:.x\"]\n\tinsteadOf = \"gh:\"\n"
        "\n[url \"say \\\"hi\\\"\"]\n\tinsteadOf = \"q:\"\n"
        "\n[user]\n\temail = \"c@example.org\"\n\tname = \"Craig \\\"C\\\" Smith\"\n");
  CHECK(formatted("gitconfig", "top = 1\n") == "ERROR: git config needs sections: `top` must be a table, not an integer");
  CHECK(formatted("gitconfig", "[config.s.core]\n'bad key' = 1\n") ==
        "ERROR: git config key `bad key` in [core] must be a letter followed by letters, digits or `-`");
}
