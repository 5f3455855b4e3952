import stat

import pytest

from scripts.tilt import dotenv, secrets


def test_parse_handles_comments_quotes_and_export():
    text = "# comment\n\nexport A=1\nB='two words'\nC=\"x#y\"\nD=plain # trailing\nE=\n"
    assert dotenv.parse(text) == {"A": "1", "B": "two words", "C": "x#y", "D": "plain", "E": ""}


def test_parse_rejects_a_malformed_line_naming_it():
    with pytest.raises(dotenv.DotenvError, match=r"\.env:2: expected KEY=value"):
        dotenv.parse("A=1\nthis is not a pair\n")


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
