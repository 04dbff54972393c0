"""The category table: names, and the oai_dc subject names mapped back to codes."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from paperwire.core import taxonomy
from testkit.recordings import OAI_CHAIN, oai_fixture

DC_SUBJECT = "{http://purl.org/dc/elements/1.1/}subject"


def chain_subjects() -> list[str]:
    subjects: list[str] = []
    for path in OAI_CHAIN:
        root = ET.fromstring(oai_fixture(path.name))
        subjects.extend((element.text or "").strip() for element in root.iter(DC_SUBJECT))
    return subjects


def test_every_arxiv_subject_in_the_2265_record_chain_maps_to_a_category() -> None:
    subjects = chain_subjects()
    distinct = sorted(set(subjects))
    unmapped = taxonomy.unmapped_subjects(distinct)
    print(f"{len(distinct)} distinct dc:subject values; unmapped arXiv subjects: {unmapped or 'none'}")
    assert unmapped == []
    mapped = {s for s in distinct if taxonomy.subject_to_category(s)}
    dropped = sorted(set(distinct) - mapped)
    print(f"dropped (classification codes, bare group names): {len(dropped)}, e.g. {dropped[:5]}")
    assert len(mapped) == 140
    assert all(taxonomy.is_classification_code(s) or taxonomy.is_group_name(s) for s in dropped)
    assert "Quantitative Biology" in dropped  # a group name alone is not a category


@pytest.mark.parametrize(
    ("subject", "code"),
    [
        ("Computer Science - Machine Learning", "cs.LG"),
        ("Mathematics - Number Theory", "math.NT"),
        ("Physics - Optics", "physics.optics"),
        ("Statistics - Machine Learning", "stat.ML"),
        ("Quantitative Biology - Neurons and Cognition", "q-bio.NC"),
        ("Condensed Matter - Statistical Mechanics", "cond-mat.stat-mech"),
        ("High Energy Physics - Theory", "hep-th"),
        ("Astrophysics - Cosmology and Nongalactic Astrophysics", "astro-ph.CO"),
        ("Electrical Engineering and Systems Science - Signal Processing", "eess.SP"),
        ("Economics - General Economics", "econ.GN"),
        ("Quantum Physics", "quant-ph"),
        ("Nuclear Experiment", "nucl-ex"),
        ("Mathematical Physics", "math-ph"),
        ("Mathematics - Mathematical Physics", "math.MP"),
        ("General Relativity and Quantum Cosmology", "gr-qc"),
        ("Nonlinear Sciences - Exactly Solvable and Integrable Systems", "nlin.SI"),
        ("Quantitative Finance - Computational Finance", "q-fin.CP"),
        ("Computer Science - Distributed, Parallel, and Cluster Computing", "cs.DC"),
        ("Astrophysics", "astro-ph"),  # the archive before it was split (old papers)
        ("Condensed Matter", "cond-mat"),
        ("Computer Science - Learning", "cs.LG"),  # cs.LG's former name, in older harvests
        ("  computer science -  machine learning ", "cs.LG"),
    ],
)
def test_subject_to_category(subject: str, code: str) -> None:
    assert taxonomy.subject_to_category(subject) == code


@pytest.mark.parametrize("subject", ["40-01, 65B10", "I.2.6", "F.m", "Primary 60G65, 60H35", "Quantitative Biology"])
def test_non_categories_map_to_nothing(subject: str) -> None:
    assert taxonomy.subject_to_category(subject) is None
    assert taxonomy.unmapped_subjects([subject]) == []


def test_table_size_and_names() -> None:
    assert len(taxonomy.CATEGORIES) == 155
    assert taxonomy.category_name("cs.LG") == "Machine Learning"
    assert taxonomy.category_name("cs.lg") == "Machine Learning"
    assert taxonomy.category_name("hep-th") == "High Energy Physics - Theory"
    assert taxonomy.category_name("cond-mat.stat-mech") == "Statistical Mechanics"
    assert taxonomy.category_name("astro-ph") == "Astrophysics"
    assert taxonomy.category_name("solv-int") == "Exactly Solvable and Integrable Systems"
    assert taxonomy.category_name("cs.XX") is None
    assert taxonomy.subject_name("stat.ML") == "Statistics - Machine Learning"
    assert taxonomy.subject_name("quant-ph") == "Quantum Physics"


def test_every_category_round_trips_through_its_subject_name() -> None:
    for code in taxonomy.CATEGORIES:
        name = taxonomy.subject_name(code)
        assert name is not None
        assert taxonomy.subject_to_category(name) == code, (code, name)
