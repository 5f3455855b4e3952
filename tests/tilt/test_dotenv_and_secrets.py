import stat

import pytest

from scripts.tilt import dotenv, secrets


def test_parse_handles_comments_quotes_and_export():
    text = "# comment\n\nexport A=1\nB='two words'\nC=\"x#y\"\nD=plain # trailing\nE=\n"
    assert dotenv.parse(text) == {"A": "1", "B": "two words", "C": "x#y", "D": "plain", "E": ""}


def test_parse_rejects_a_malformed_line_naming_it():
    with pytest.raises(dotenv.DotenvError, match=r"\.env:2: expected KEY=value"):
        dotenv.parse("A=1\nthis is not a pair\n")


@pytest.mark.parametrize("line", ["JWT_SECRET", 'B="never closed', "two words=x"])
def test_every_line_python_dotenv_only_warns_about_is_an_error_with_its_number(line):
    with pytest.raises(dotenv.DotenvError, match=r"\.env:3: expected KEY=value"):
        dotenv.parse(f"# header\nA=1\n{line}\nC=3\n")


def test_a_bad_line_that_may_be_a_pasted_secret_is_not_echoed():
    secret = "sk-live-0123456789abcdef0123456789abcdef"
    with pytest.raises(dotenv.DotenvError) as err:
        dotenv.parse(f"A=1\n{secret} oops\n")
    assert secret not in str(err.value) and ".env:2" in str(err.value)


def test_values_are_read_literally_without_interpolation():
    assert dotenv.parse("A=x\nB=${A}-y\nC=\"$A\"\n") == {"A": "x", "B": "${A}-y", "C": "$A"}


USER_FILE = """\
# my settings — keep this comment
export COHERE_API_KEY="co key with spaces"   # inline note
LOG_LEVEL='debug'

# database (single quotes, an escaped quote, an empty value)
DATABASE_URL='postgresql://u:p\\'q@db/x'
EMPTY=
"""


def test_adding_a_generated_key_keeps_every_user_line_byte_for_byte(tmp_path):
    env = tmp_path / ".env"
    env.write_text(USER_FILE)
    env.chmod(0o640)
    before = dotenv.load(env)
    assert secrets.ensure_dev_jwt_secret(env) is True
    text = env.read_text()
    assert text.startswith(USER_FILE), "comments, order, quotes and `export ` must be kept as written"
    added = text[len(USER_FILE):].splitlines()
    assert added[0].startswith("# generated for local development")
    assert added[1].startswith("JWT_SECRET=") and "'" not in added[1], "a url-safe token needs no quotes"
    after = dotenv.load(env)
    assert {k: v for k, v in after.items() if k != "JWT_SECRET"} == before
    assert list(after) == [*before, "JWT_SECRET"]
    assert before["COHERE_API_KEY"] == "co key with spaces" and before["DATABASE_URL"] == "postgresql://u:p'q@db/x"
    assert stat.S_IMODE(env.stat().st_mode) == 0o640, "an existing file keeps its mode"


def test_an_empty_key_is_filled_in_place(tmp_path):
    env = tmp_path / ".env"
    env.write_text("A=1\nexport JWT_SECRET=\nB=2")
    assert secrets.ensure_dev_jwt_secret(env) is True
    lines = env.read_text().splitlines()
    assert lines[0] == "A=1" and lines[2] == "B=2" and len(lines) == 3
    assert lines[1].startswith("JWT_SECRET=") and len(dotenv.load(env)["JWT_SECRET"]) >= secrets.MIN_JWT_SECRET


def test_a_file_without_a_final_newline_gets_the_key_on_its_own_line(tmp_path):
    env = tmp_path / ".env"
    env.write_text("A=1")
    secrets.ensure_dev_postgres_password(env)
    assert env.read_text().startswith("A=1\n# generated")
    assert set(dotenv.load(env)) == {"A", "POSTGRES_PASSWORD"}


def test_a_value_that_needs_quotes_round_trips(tmp_path):
    env = tmp_path / ".env"
    dotenv.add_generated(env, "K", "it's a #value with \\ and ${X}", "test")
    assert dotenv.load(env) == {"K": "it's a #value with \\ and ${X}"}


def test_a_symlinked_env_stays_a_link(tmp_path):
    target = tmp_path / "real.env"
    target.write_text("A=1\n")
    link = tmp_path / ".env"
    link.symlink_to(target)
    secrets.ensure_dev_jwt_secret(link)
    assert link.is_symlink() and "JWT_SECRET" in dotenv.load(target)


def test_a_file_with_a_bad_line_is_not_rewritten(tmp_path):
    env = tmp_path / ".env"
    env.write_text("A=1\nnot a pair\n")
    with pytest.raises(dotenv.DotenvError, match=":2:"):
        secrets.ensure_dev_jwt_secret(env)
    assert env.read_text() == "A=1\nnot a pair\n"


def test_dev_secret_is_generated_once_and_kept(tmp_path):
    env = tmp_path / ".env"
    env.write_text("COHERE_API_KEY=abc\n")
    assert secrets.ensure_dev_jwt_secret(env) is True
    first = dotenv.load(env)["JWT_SECRET"]
    assert len(first) >= secrets.MIN_JWT_SECRET
    assert secrets.ensure_dev_jwt_secret(env) is False
    assert dotenv.load(env) == {"COHERE_API_KEY": "abc", "JWT_SECRET": first}


def test_generated_env_file_is_private(tmp_path):
    env = tmp_path / ".env"
    secrets.ensure_dev_jwt_secret(env)
    assert stat.S_IMODE(env.stat().st_mode) == 0o600


def test_missing_required_key_is_named(tmp_path):
    env = tmp_path / ".env"
    env.write_text("COHERE_API_KEY=abc\n")
    with pytest.raises(secrets.SecretError, match="missing required key\\(s\\): JWT_SECRET"):
        secrets.secret_data(env, ["JWT_SECRET"])


def test_short_jwt_secret_is_refused(tmp_path):
    env = tmp_path / ".env"
    env.write_text("JWT_SECRET=short\n")
    with pytest.raises(secrets.SecretError, match="at least 32"):
        secrets.secret_data(env, [])


def test_checksum_changes_with_any_value_and_ignores_order():
    a = secrets.checksum({"JWT_SECRET": "x" * 40, "DATABASE_URL": "postgresql://db"})
    b = secrets.checksum({"DATABASE_URL": "postgresql://db", "JWT_SECRET": "x" * 40})
    c = secrets.checksum({"DATABASE_URL": "postgresql://db2", "JWT_SECRET": "x" * 40})
    assert a == b != c


def test_manifest_holds_only_secret_keys(tmp_path):
    env = tmp_path / ".env"
    env.write_text(f"JWT_SECRET={'s' * 40}\nLOG_LEVEL=debug\n")
    data = secrets.secret_data(env, [])
    m = secrets.manifest(data, "ns1")
    assert m["metadata"]["namespace"] == "ns1"
    assert set(m["stringData"]) == {"JWT_SECRET"}
