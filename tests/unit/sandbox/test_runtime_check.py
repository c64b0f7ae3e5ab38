"""runc_warning: `coderunner doctor` warns about a runc a container can escape from."""

from __future__ import annotations

from typing import Any

import pytest

from coderunner.sandbox.runtime_check import ESCAPES_2025, LEAKY_VESSELS, RuncVersion, parse_runc, runc_warning


def _info(version: str, commit: str = "") -> dict[str, Any]:
    return {
        "Version": "27.0.0",
        "Components": [
            {"Name": "Engine", "Version": "27.0.0", "Details": {}},
            {"Name": "runc", "Version": version, "Details": {"GitCommit": commit}},
        ],
    }


class TestParse:
    def test_an_upstream_release(self) -> None:
        assert RuncVersion((1, 1, 12), None, None, "1.1.12") == parse_runc(_info("1.1.12", "v1.1.12-0-g51d5e94"))

    def test_a_release_candidate(self) -> None:
        assert RuncVersion((1, 4, 0), 3, None, "1.4.0-rc.3") == parse_runc(_info("1.4.0-rc.3", "v1.4.0-rc.3-0-gabc"))

    def test_a_debian_package_names_its_revision_in_the_commit(self) -> None:
        parsed = parse_runc(_info("1.1.5+ds1", "1.1.5+ds1-1+deb12u1"))

        assert RuncVersion((1, 1, 5), None, "1.1.5+ds1-1+deb12u1", "1.1.5+ds1") == parsed

    @pytest.mark.parametrize("info", [{}, {"Components": None}, {"Components": [{"Name": "Engine"}]}, _info("weird")])
    def test_no_recognisable_runc_is_none(self, info: dict[str, Any]) -> None:
        assert parse_runc(info) is None


class TestWarning:
    @pytest.mark.parametrize("version", ["1.2.8", "1.2.9", "1.3.3", "1.3.4", "1.4.0-rc.3", "1.4.0", "1.5.1", "2.0.0"])
    def test_a_runc_with_every_fix_gets_no_warning(self, version: str) -> None:
        assert runc_warning(_info(version)) is None

    @pytest.mark.parametrize("version", ["1.1.11", "1.0.0-rc.93", "1.1.0"])
    def test_a_runc_before_1_1_12_is_vulnerable_to_both(self, version: str) -> None:
        warning = runc_warning(_info(version))

        assert warning is not None
        assert LEAKY_VESSELS in warning
        assert ESCAPES_2025 in warning
        assert "upgrade" in warning

    @pytest.mark.parametrize("version", ["1.1.12", "1.1.15", "1.2.7", "1.3.2", "1.4.0-rc.2"])
    def test_a_runc_before_the_2025_fixes_is_vulnerable_to_them(self, version: str) -> None:
        warning = runc_warning(_info(version))

        assert warning is not None
        assert LEAKY_VESSELS not in warning
        assert ESCAPES_2025 in warning

    def test_debians_1_1_5_deb12u1_has_the_leaky_vessels_backport_but_cannot_be_confirmed_for_2025(self) -> None:
        warning = runc_warning(_info("1.1.5+ds1", "1.1.5+ds1-1+deb12u1"))

        assert warning is not None
        assert "cannot confirm" in warning
        assert f"cannot confirm it fixes {ESCAPES_2025}" in warning
        assert f"carry the fix for {LEAKY_VESSELS}" in warning

    def test_an_unknown_distribution_revision_is_never_called_safe(self) -> None:
        warning = runc_warning(_info("1.1.5+ds1", "1.1.5+ds1-1+deb12u9"))

        assert warning is not None
        assert f"cannot confirm it fixes {LEAKY_VESSELS}, {ESCAPES_2025}" in warning

    def test_an_unknown_runc_version_is_a_warning(self) -> None:
        warning = runc_warning({"Components": []})

        assert warning is not None
        assert "cannot tell" in warning
