"""pyproject.toml's dependency ranges and requirements.txt's exact pins agree."""

import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]


def _pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            assert version, f"requirements.txt line {line!r} is not an exact pin (name==version)"
            pins[canonicalize_name(name)] = version
    return pins


def _ranges() -> dict[str, Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return {canonicalize_name(r.name): r for r in map(Requirement, project["dependencies"])}


def test_pyproject_and_requirements_name_the_same_libraries():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names = [canonicalize_name(Requirement(r).name) for r in project["dependencies"]]
    assert len(names) == len(set(names)), "pyproject.toml names a library twice"
    assert sorted(names) == sorted(_pins())


@pytest.mark.parametrize(("name", "version"), sorted(_pins().items()))
def test_every_pin_lies_in_its_pyproject_range(name, version):
    requirement = _ranges()[name]
    assert requirement.specifier.contains(version), (
        f"requirements.txt pins {name}=={version}, outside pyproject.toml's {requirement}: "
        "move the range to the version that was tested."
    )


@pytest.mark.parametrize("name", sorted(_pins()))
def test_every_range_has_an_upper_bound(name):
    # An open range promises releases nobody has tested (scikit-learn's private kernels).
    assert any(spec.operator == "<" for spec in _ranges()[name].specifier), name
