#!/usr/bin/env python3
"""Real Nix for the workload generators: unpack nixpkgs' lib, evaluate an entry.nix.

    prepare(NIXLIB_TGZ, SCRATCH) -> (lib directory, environment)
    evaluation_argv(ENTRY, lib) -> the nix-instantiate command line

prepare() raises Unavailable, with the reason, when nix-instantiate is not
installed or cannot evaluate the lib (the callers turn that into a skip).
Nix runs without a daemon, in read-only mode, with its state and
configuration under SCRATCH (never the machine's). Standard library only.
"""

import os
import shutil
import subprocess
import tarfile

DEFAULT_NIXLIB = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))), "shared", "oracle", "nixpkgs-lib-de42d442.tgz")


class Unavailable(Exception):
    pass


def prepare(nixlib_tgz, scratch):
    if not shutil.which("nix-instantiate"):
        raise Unavailable("nix-instantiate is not installed (apt-get install -y --no-install-recommends nix-bin)")
    if not os.path.isfile(nixlib_tgz):
        raise Unavailable("the nixpkgs lib tarball is missing: %s" % nixlib_tgz)
    libdir = os.path.join(scratch, "nixlib")
    stamp = os.path.join(libdir, ".unpacked")
    if not os.path.exists(stamp) or os.path.getmtime(stamp) < os.path.getmtime(nixlib_tgz):
        shutil.rmtree(libdir, ignore_errors=True)
        os.makedirs(libdir)
        with tarfile.open(nixlib_tgz) as tf:
            tf.extractall(libdir)
        open(stamp, "w").close()
    lib = os.path.join(libdir, "lib")
    if not os.path.isfile(os.path.join(lib, "default.nix")):
        raise Unavailable("no lib/default.nix in %s" % nixlib_tgz)
    env = dict(os.environ, NIX_STATE_DIR=os.path.join(scratch, "nix-state"),
               NIX_CONF_DIR=os.path.join(scratch, "nix-conf"), HOME=scratch)
    os.makedirs(env["NIX_CONF_DIR"], exist_ok=True)
    with open(os.path.join(env["NIX_CONF_DIR"], "nix.conf"), "w") as f:
        f.write("build-users-group =\n")
    probe = subprocess.run(["nix-instantiate", "--readonly-mode", "--eval", "--strict", "--json", "--expr",
                            "(import %s).version or \"?\"" % lib], capture_output=True, text=True, env=env)
    if probe.returncode != 0:
        raise Unavailable("nix-instantiate cannot evaluate nixpkgs lib: %s"
                          % (probe.stderr.strip().splitlines() or ["?"])[-1])
    return lib, env


def evaluation_argv(entry, lib):
    return ["nix-instantiate", "--readonly-mode", "--eval", "--strict", "--json",
            "-I", "nixpkgs-lib=" + lib, entry]
