"""Installing biofuse: `make install`/`uninstall`, the Debian package, and the man page
and bash completion generated from the option tables.

Oracles: `biofuse COMMAND --help` (what a user sees) for the option lists; man(1)
for the man page (rendered, no warnings, found by `man -w`); bash itself running the
completion function; dpkg for the package (installed into a scratch root with its own
dpkg database, then removed) and the machine's dpkg database for its Depends; the
installed binary's own output compared with the build's.
"""

import os
import re
import shutil
import subprocess

import pytest

from helpers_view import bf, need_tool, run
from mount_helpers import expected_files, generated_store, mounted


def _commands(biofuse_bin):
    text = bf(biofuse_bin, "--help").stdout.decode()
    cmds = text.split("\nCommands:\n", 1)[1]
    return [m.group(1) for m in re.finditer(r"^  (\S+)", cmds, re.M)]


def _help_options(biofuse_bin, cmd):
    """Every option name (long and short) of `biofuse CMD --help`."""
    text = bf(biofuse_bin, cmd, "--help").stdout.decode()
    names = set()
    for ln in text.splitlines():
        m = re.match(r"^  (-\w), (--[\w-]+)", ln) or re.match(r"^  (--[\w-]+)", ln)
        if m:
            names.update(m.groups())
    assert "--help" in names
    return names


def _man_text(man_page):
    env = dict(os.environ, MANWIDTH="200", LC_ALL="C.UTF-8")
    r = run(["man", "--warnings", "-E", "UTF-8", "-l", man_page], env=env)
    assert r.stderr == b"", r.stderr.decode()  # no groff warnings
    return r.stdout.decode()


def _man_sections(text):
    """{command: its part of the rendered COMMANDS section}."""
    body = text.split("\nCOMMANDS\n", 1)[1].split("\nEXIT STATUS\n", 1)[0]
    out = {}
    for part in re.split(r"\n   biofuse ", "\n" + body)[1:]:
        out[part.split()[0]] = part
    return out


def _complete(script, words):
    """COMPREPLY of _biofuse for the command line `words` (the last one being completed)."""
    cmd = ("source %s; COMP_WORDS=(%s); COMP_CWORD=%d; _biofuse; printf '%%s\\n' "
           '"${COMPREPLY[@]}"') % (script, " ".join("'%s'" % w for w in words), len(words) - 1)
    return set(run(["bash", "-c", cmd]).stdout.decode().split())


@pytest.fixture(scope="module")
def generated_docs(biofuse_bin, tmp_path_factory):
    d = tmp_path_factory.mktemp("docs")
    man, comp = str(d / "biofuse.1"), str(d / "biofuse.bash")
    with open(man, "wb") as f:
        f.write(bf(biofuse_bin, "__man").stdout)
    with open(comp, "wb") as f:
        f.write(bf(biofuse_bin, "__bash-completion").stdout)
    return man, comp


def test_every_option_in_help_man_and_completion(biofuse_bin, generated_docs):
    need_tool("man")
    man, comp = generated_docs
    text = _man_text(man)
    sections = _man_sections(text)
    cmds = _commands(biofuse_bin)
    assert sorted(sections) == sorted(cmds)
    assert {"inspect", "trace-summary", "mount-plink", "view-bgen"} <= set(cmds)
    assert _complete(comp, ["biofuse", ""]) == set(cmds) | {"--help", "--version"}
    for cmd in cmds:
        opts = _help_options(biofuse_bin, cmd)
        in_man = set(re.findall(r"(?<![\w-])(--[a-z][\w-]*|-[a-zA-Z])(?![\w-])",
                                sections[cmd].split("\n", 1)[1]))
        # every option of --help is in the man page; the man page's own text may
        # name options of other commands (-M 2, -i/-e) but its option rows are these
        assert opts <= in_man, (cmd, opts - in_man)
        rows = set(re.findall(r"^       (-\w), (--[\w-]+)|^       (--[\w-]+)", sections[cmd],
                              re.M))
        row_names = {n for r in rows for n in r if n}
        assert row_names == opts, (cmd, row_names ^ opts)
        assert _complete(comp, ["biofuse", cmd, "-"]) == opts, cmd
    # choices and file names after an option that takes a value
    assert _complete(comp, ["biofuse", "view-bgen", "--variant-id-field", ""]) == {"rsid",
                                                                                  "varid"}
    assert _complete(comp, ["biofuse", "mount-plink", "--log-level", "d"]) == {"debug"}


def test_man_page_of_build_is_current(biofuse_bin, generated_docs):
    """make builds build/biofuse.1 and .bash next to the binary from the same tables."""
    d = os.path.dirname(biofuse_bin)
    for name, gen in zip(("biofuse.1", "biofuse.bash"), generated_docs):
        path = os.path.join(d, name)
        if not os.path.exists(path):
            pytest.skip("%s not built (make all builds it)" % path)
        with open(path, "rb") as a, open(gen, "rb") as b:
            assert a.read() == b.read(), name


def _view_matches(bin_a, bin_b, store, work_dir):
    for tag, b in (("a", bin_a), ("b", bin_b)):
        bf(b, "view-plink", store, "-o", work_dir / ("v" + tag))
    for ext in ("bed", "bim", "fam"):
        with open(str(work_dir / ("va." + ext)), "rb") as x, \
                open(str(work_dir / ("vb." + ext)), "rb") as y:
            assert x.read() == y.read(), ext


def _mount_serves(binary, store, work_dir, basename):
    mnt = work_dir / "mnt"
    ref = work_dir / "ref"
    bf(binary, "view-plink", store, "-o", ref)
    with mounted(binary, "mount-plink", store, mnt, files=expected_files("mount-plink",
                                                                        basename)):
        for ext in ("bed", "bim", "fam"):
            with open(str(mnt / (basename + "." + ext)), "rb") as x, \
                    open(str(ref) + "." + ext, "rb") as y:
                assert x.read() == y.read(), ext


@pytest.fixture(scope="module")
def small_store(session_work_dir):
    return generated_store(session_work_dir / "stores", "inst_small", samples=9, variants=60,
                           variants_chunk=16, samples_chunk=9, seed=11)


def test_make_install_uninstall(biofuse_bin, repo_root, work_dir, small_store):
    need_tool("make")
    build = os.path.relpath(os.path.dirname(biofuse_bin), repo_root)
    dest = work_dir / "dest"
    args = ["make", "--no-print-directory", "-C", repo_root, "BUILD=" + build,
            "DESTDIR=" + str(dest), "PREFIX=/opt/bf"]
    run(args + ["install"])
    root = str(dest) + "/opt/bf"
    files = sorted(os.path.relpath(os.path.join(d, f), root)
                   for d, _s, fs in os.walk(root) for f in fs)
    assert "bin/biofuse" in files and "share/man/man1/biofuse.1" in files
    assert "share/bash-completion/completions/biofuse" in files
    assert "share/doc/biofuse/README.md" in files
    assert any(f.startswith("share/doc/biofuse/") and f != "share/doc/biofuse/README.md"
               for f in files)
    inst = root + "/bin/biofuse"
    assert bf(inst, "--version").stdout == bf(biofuse_bin, "--version").stdout
    env = dict(os.environ, MANPATH=root + "/share/man")
    if shutil.which("man"):
        assert run(["man", "-w", "biofuse"], env=env).stdout.decode().strip() == \
            root + "/share/man/man1/biofuse.1"
    _view_matches(biofuse_bin, inst, small_store, work_dir)
    run(args + ["uninstall"])
    left = [os.path.join(d, f) for d, _s, fs in os.walk(str(dest)) for f in fs]
    assert left == []


def _depends_satisfied(deb):
    """Every Depends of the package is installed here at a version that satisfies it."""
    deps = run(["dpkg-deb", "-f", deb, "Depends"]).stdout.decode().strip()
    assert "libfuse3" in deps and "libc6" in deps and "fuse3" in deps, deps
    for dep in deps.split(","):
        alts = [a.strip() for a in dep.split("|")]
        ok = False
        for a in alts:
            m = re.match(r"^([\w.+-]+)(?:\s*\(([<>=]+)\s*([^)]+)\))?$", a)
            assert m, a
            r = subprocess.run(["dpkg-query", "-W", "-f", "${Status} ${Version}", m.group(1)],
                               capture_output=True)
            parts = r.stdout.decode().split()
            if r.returncode != 0 or "installed" not in parts[:3] or parts[2] != "installed":
                continue
            if m.group(2):
                op = {">=": "ge", "<=": "le", ">>": "gt", "<<": "lt", "=": "eq"}[m.group(2)]
                if subprocess.run(["dpkg", "--compare-versions", parts[3], op,
                                   m.group(3)]).returncode != 0:
                    continue
            ok = True
        assert ok, "dependency %s not satisfied on this machine" % dep


def test_deb_install_run_remove(biofuse_bin, repo_root, work_dir, small_store):
    """The package of this build: lintian-clean, installs into a scratch root with its
    own dpkg database, runs from there (version, man -w, a view, a mount), removes."""
    for t in ("dpkg-deb", "dpkg-shlibdeps", "dpkg"):
        need_tool(t)
    build = os.path.dirname(biofuse_bin)
    for f in ("biofuse.1", "biofuse.bash"):
        if not os.path.exists(os.path.join(build, f)):
            pytest.skip("%s/%s not built (make all builds it)" % (build, f))
    out = work_dir / "deb"
    r = run(["sh", os.path.join(repo_root, "packaging", "build-deb.sh"), "--from",
             os.path.relpath(build, repo_root), "--out", str(out), "--no-lintian"])
    deb = r.stdout.decode().strip().splitlines()[-1]
    if not os.path.isabs(deb):
        deb = os.path.join(repo_root, deb)
    assert os.path.exists(deb), deb
    if shutil.which("lintian"):
        lr = run(["lintian", "--fail-on", "error,warning", deb], rc=None)
        assert lr.returncode == 0, lr.stdout.decode() + lr.stderr.decode()
    _depends_satisfied(deb)
    root = work_dir / "root"
    for d in ("var/lib/dpkg/info", "var/lib/dpkg/updates"):
        os.makedirs(str(root / d))
    (root / "var/lib/dpkg/status").write_text("")
    # the scratch database knows no libraries: dependencies were checked above
    run(["dpkg", "--root=" + str(root), "--force-depends", "--force-not-root", "-i", deb])
    listed = run(["dpkg", "--root=" + str(root), "-L", "biofuse"]).stdout.decode().split()
    assert "/usr/bin/biofuse" in listed and "/usr/share/man/man1/biofuse.1.gz" in listed
    assert "/usr/share/bash-completion/completions/biofuse" in listed
    assert "/usr/share/doc/biofuse/copyright" in listed
    inst = str(root / "usr/bin/biofuse")
    assert bf(inst, "--version").stdout == bf(biofuse_bin, "--version").stdout
    if shutil.which("man"):
        env = dict(os.environ, MANPATH=str(root / "usr/share/man"))
        assert run(["man", "-w", "biofuse"], env=env).stdout.decode().strip() == \
            str(root / "usr/share/man/man1/biofuse.1.gz")
    _view_matches(biofuse_bin, inst, small_store, work_dir)
    _mount_serves(inst, small_store, work_dir, "inst_small")
    run(["dpkg", "--root=" + str(root), "--force-not-root", "-r", "biofuse"])
    assert not os.path.exists(inst)
    left = [os.path.join(d, f) for d, _s, fs in os.walk(str(root / "usr")) for f in fs]
    assert left == []


def test_readme_lists_every_command(biofuse_bin, repo_root):
    """The README's command table has a row for every command of `biofuse --help`."""
    with open(os.path.join(repo_root, "README.md")) as f:
        readme = f.read()
    table = readme.split("\n## Commands\n", 1)[1].strip().split("\n\n", 1)[0]
    rows = re.findall(r"^\| `biofuse ([\w-]+)", table, re.M)
    assert sorted(rows) == sorted(_commands(biofuse_bin))
