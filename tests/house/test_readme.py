"""The commands the README shows work as a newcomer types them, in a shell without any of
this session's variables (only the instance folder is moved to a throw-away one)."""
import os
import re
import subprocess

from conftest import ROOT_DIR

SAFE = ("PATH", "HOME", "LANG", "LC_ALL", "PYTHONPATH", "CARNET_TEST_CLOCK_OFFSET")


def readme_commands(prefix):
    with open(os.path.join(ROOT_DIR, "README.md"), encoding="utf-8") as handle:
        blocks = re.findall(r"```sh\n(.*?)```", handle.read(), re.S)
    return [line.split("  #")[0].strip() for block in blocks for line in block.splitlines()
            if line.strip().startswith(prefix)]


def demo_instance(tmp_path):
    """A freshly migrated and seeded demo instance in tmp_path, as `make run` makes one: the
    environment a newcomer's shell has (only the instance folder moved), and the one the set-up
    commands ran with."""
    env = {key: os.environ[key] for key in SAFE if key in os.environ}
    env["CARNET_INSTANCE"] = str(tmp_path)
    setup = {**env, "CARNET_ENV": "development"}
    for step in ("db upgrade", "seed"):
        subprocess.run(f".venv/bin/flask --app wsgi {step}", shell=True, cwd=ROOT_DIR, env=setup,
                       check=True, capture_output=True, timeout=120)
    return env, setup


def send_codes(setup, *mails):
    """Queue a login-code e-mail for each (address, code), as logging in does."""
    sends = "".join(f"    send({address!r}, 'Code', 'Votre code : {code}')\n"
                    for address, code in mails)
    subprocess.run([".venv/bin/python", "-c", (
        "from portal import create_app\nfrom portal.extensions import db\n"
        "from portal.mail import send\napp = create_app()\n"
        "with app.app_context(), db.connection_context():\n" + sends)],
        cwd=ROOT_DIR, env={**setup, "HUEY_IMMEDIATE": "1"}, check=True, timeout=120)


def test_the_outbox_command_works_verbatim(tmp_path):
    (command,) = [c for c in readme_commands("CARNET_ENV=") if " outbox " in c]
    env, setup = demo_instance(tmp_path)
    printed = subprocess.run(".venv/bin/flask --app wsgi demo-accounts", shell=True,
                             cwd=ROOT_DIR, env=setup, check=True, capture_output=True,
                             text=True, timeout=120).stdout
    assert command in printed  # make run shows the same command
    send_codes(setup, ("camille.martin@example.org", "123456"))
    result = subprocess.run(command, shell=True, cwd=ROOT_DIR, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "123456" in result.stdout


def test_the_journal_commands_work_verbatim(tmp_path):
    """The Journal section's commands, in its order, on a freshly seeded demo instance: seal,
    verify, verify --full, export a checkpoint, verify against it."""
    commands = [c for c in readme_commands("CARNET_ENV=") if " audit " in c]
    assert len(commands) == 5, commands
    env, setup = demo_instance(tmp_path)
    # someone used the demo (the journal of a fresh seed is empty: nothing to seal)
    subprocess.run([".venv/bin/python", "-c", (
        "from portal import create_app, audit\nfrom portal.extensions import db\n"
        "app = create_app()\n"
        "with app.app_context(), db.connection_context():\n"
        "    audit.record('auth.login', detail='demo')\n")],
        cwd=ROOT_DIR, env=setup, check=True, timeout=120)
    checkpoint = os.path.join(ROOT_DIR, "cp.txt")
    assert not os.path.exists(checkpoint)
    try:
        outputs = []
        for command in commands:
            result = subprocess.run(command, shell=True, cwd=ROOT_DIR, env=env,
                                    capture_output=True, text=True, timeout=300)
            assert result.returncode == 0, (command, result.stdout[-1000:], result.stderr[-2000:])
            outputs.append(result.stdout)
        assert "carnet/journal" in open(checkpoint, encoding="utf-8").read()
    finally:
        if os.path.exists(checkpoint):
            os.remove(checkpoint)
    assert "intact" in outputs[1] and "intact" in outputs[2] and "intact" in outputs[4]


def test_the_storage_orphans_commands_work_verbatim(tmp_path):
    """The storage section's commands on a freshly seeded demo instance: an object no row names
    is listed, then deleted; the demo's own objects stay."""
    commands = [c for c in readme_commands("CARNET_ENV=") if " storage orphans" in c]
    assert len(commands) == 2, commands
    env, setup = demo_instance(tmp_path)
    stray = tmp_path / "storage" / "documents" / "ab" / ("ab" + "0" * 30 + ".bin")
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(b"left behind by a failed clean-up")
    os.utime(stray, (0, 0))  # written long ago (1970): past any grace period
    demo = sorted(p for p in (tmp_path / "storage").rglob("*") if p.is_file() and p != stray)
    assert demo
    outputs = []
    for command in commands:
        result = subprocess.run(command, shell=True, cwd=ROOT_DIR, env=env, capture_output=True,
                                text=True, timeout=120)
        assert result.returncode == 0, (command, result.stdout[-1000:], result.stderr[-2000:])
        outputs.append(result.stdout)
    assert "orphan  documents/ab/" in outputs[0] and "1 orphaned" in outputs[0]
    assert "1 orphaned object(s) deleted" in outputs[1]
    assert not stray.exists()
    assert sorted(p for p in (tmp_path / "storage").rglob("*") if p.is_file()) == demo


def test_make_codes_prints_the_newest_codes_verbatim(tmp_path):
    """`make codes`, as the README shows it, in a fresh shell: the newest e-mails of the
    outbox, each with its recipient."""
    (command,) = [c for c in readme_commands("make codes")]
    env, setup = demo_instance(tmp_path)
    send_codes(setup, ("jean.dupont@example.org", "654321"),
               ("camille.martin@example.org", "123456"))
    result = subprocess.run(command, shell=True, cwd=ROOT_DIR, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    out = result.stdout
    assert out.index("To: camille.martin@example.org") < out.index("123456") \
        < out.index("To: jean.dupont@example.org") < out.index("654321")


def readme_block(language):
    """The README's one fenced block of `language` (```ndjson, ```csv)."""
    with open(os.path.join(ROOT_DIR, "README.md"), encoding="utf-8") as handle:
        (block,) = re.findall(rf"```{language}\n(.*?)```", handle.read(), re.S)
    return block


def test_the_reimbursement_import_commands_and_examples_work_verbatim(tmp_path):
    """The README's ndjson line and CSV line, saved under the names its commands give, import
    into the demo (Jean's history grows by two lines), and a second run adds nothing."""
    commands = [c for c in readme_commands("CARNET_ENV=") if " reimbursements import " in c]
    assert len(commands) == 2, commands
    env, _setup = demo_instance(tmp_path)
    files = {os.path.join(ROOT_DIR, name): readme_block(kind)
             for name, kind in (("reimbursements.ndjson", "ndjson"), ("reimbursements.csv", "csv"))}
    assert not any(os.path.exists(path) for path in files)
    try:
        for path, text in files.items():
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(text)
        for expected in ("1 imported, 0 skipped (already there), 0 refused",
                         "0 imported, 1 skipped (already there), 0 refused"):
            for command in commands:
                result = subprocess.run(command, shell=True, cwd=ROOT_DIR, env=env,
                                        capture_output=True, text=True, timeout=120)
                assert result.returncode == 0, (command, result.stdout, result.stderr[-2000:])
                assert expected in result.stdout, (command, result.stdout)
    finally:
        for path in files:
            if os.path.exists(path):
                os.remove(path)


def test_the_announcement_import_commands_work_verbatim(tmp_path):
    """The README's announcement lines, typed as they are: the file it writes is imported (a
    mother announced, her daughter declared with her, one letter printed), then a second run
    announces no one again."""
    lines = [line for line in readme_commands("printf ") if "departement-59.csv" in line]
    lines += [c for c in readme_commands("CARNET_ENV=") if " announce import " in c]
    assert len(lines) == 2, lines
    env, _setup = demo_instance(tmp_path)
    made = [os.path.join(ROOT_DIR, name) for name in ("departement-59.csv", "courriers.pdf")]
    assert not any(os.path.exists(path) for path in made)
    try:
        outputs = []
        for _run in range(2):
            for line in lines:
                result = subprocess.run(line, shell=True, cwd=ROOT_DIR, env=env,
                                        capture_output=True, text=True, timeout=180)
                assert result.returncode == 0, (line, result.stdout, result.stderr[-2000:])
                outputs.append(result.stdout)
        assert "announced=1 children=1" in outputs[1] and "letters_printed=1" in outputs[1]
        assert "announced=0 children=0 already=2" in outputs[3], outputs[3]
        with open(made[1], "rb") as handle:
            assert handle.read(5) == b"%PDF-"
    finally:
        for path in made:
            if os.path.exists(path):
                os.remove(path)
