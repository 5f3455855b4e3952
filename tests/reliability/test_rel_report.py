"""The report script turns recorded measurements into Markdown tables and a latency plot, and lists
what was not measured instead of inventing it."""
import json

from scripts.reliability import report


def test_report_has_phase_tables_a_plot_and_lists_missing_results(tmp_path):
    results = tmp_path / "reliability"
    results.mkdir()
    (results / "disruption_rolling_update.json").write_text(json.dumps(
        {"rate_rps": 10, "before": {"requests": 10, "failed": 0, "p50_ms": 5.0, "p99_ms": 9.0},
         "during": {"requests": 12, "failed": 1, "p50_ms": 6.0, "p99_ms": 30.0}}))
    (results / "latency_disruption.json").write_text(json.dumps(
        {"start": 100.0, "events": {"eviction": 105.0}, "rows": [[100.5, 200, 5.0], [106.0, 0, 5000.0]]}))
    out = tmp_path / "reliability.md"
    assert report.main(["--results", str(results), "--out", str(out)]) == 0
    text = out.read_text()
    assert "| before | 10 | 0 | 5.0 | 9.0 |" in text and "| during | 12 | 1 | 6.0 | 30.0 |" in text
    assert text.index("| before") < text.index("| during")  # time order kept
    assert "## Not measured in this run" in text and "DB outage" in text
    assert (results / "latency_disruption.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_no_results_is_an_error_naming_the_fix(tmp_path, capsys):
    assert report.main(["--results", str(tmp_path / "none"), "--out", str(tmp_path / "r.md")]) == 1
    assert "run `.venv/bin/python -m pytest tests/reliability` first" in capsys.readouterr().err
