"""The arXiv category taxonomy: codes, human names, and the Dublin Core subject names OAI-PMH uses.

arXiv's ``oai_dc`` format gives categories only as subject names ("Computer Science - Machine Learning",
"High Energy Physics - Theory"), so harvesting in that format needs the reverse table to get ``cs.LG``
and ``hep-th`` back. The web UI uses ``category_name`` to show names next to codes.
"""

from __future__ import annotations

import re

# Archive prefix -> the group name arXiv puts before " - " in subject names. Archives missing here
# (hep-th, quant-ph, ...) are single categories whose subject name is the category name itself.
ARCHIVES: dict[str, str] = {
    "astro-ph": "Astrophysics",
    "cond-mat": "Condensed Matter",
    "cs": "Computer Science",
    "econ": "Economics",
    "eess": "Electrical Engineering and Systems Science",
    "math": "Mathematics",
    "nlin": "Nonlinear Sciences",
    "physics": "Physics",
    "q-bio": "Quantitative Biology",
    "q-fin": "Quantitative Finance",
    "stat": "Statistics",
}

# The current taxonomy (https://arxiv.org/category_taxonomy): code -> category name.
CATEGORIES: dict[str, str] = {
    # Computer Science
    "cs.AI": "Artificial Intelligence",
    "cs.AR": "Hardware Architecture",
    "cs.CC": "Computational Complexity",
    "cs.CE": "Computational Engineering, Finance, and Science",
    "cs.CG": "Computational Geometry",
    "cs.CL": "Computation and Language",
    "cs.CR": "Cryptography and Security",
    "cs.CV": "Computer Vision and Pattern Recognition",
    "cs.CY": "Computers and Society",
    "cs.DB": "Databases",
    "cs.DC": "Distributed, Parallel, and Cluster Computing",
    "cs.DL": "Digital Libraries",
    "cs.DM": "Discrete Mathematics",
    "cs.DS": "Data Structures and Algorithms",
    "cs.ET": "Emerging Technologies",
    "cs.FL": "Formal Languages and Automata Theory",
    "cs.GL": "General Literature",
    "cs.GR": "Graphics",
    "cs.GT": "Computer Science and Game Theory",
    "cs.HC": "Human-Computer Interaction",
    "cs.IR": "Information Retrieval",
    "cs.IT": "Information Theory",
    "cs.LG": "Machine Learning",
    "cs.LO": "Logic in Computer Science",
    "cs.MA": "Multiagent Systems",
    "cs.MM": "Multimedia",
    "cs.MS": "Mathematical Software",
    "cs.NA": "Numerical Analysis",
    "cs.NE": "Neural and Evolutionary Computing",
    "cs.NI": "Networking and Internet Architecture",
    "cs.OH": "Other Computer Science",
    "cs.OS": "Operating Systems",
    "cs.PF": "Performance",
    "cs.PL": "Programming Languages",
    "cs.RO": "Robotics",
    "cs.SC": "Symbolic Computation",
    "cs.SD": "Sound",
    "cs.SE": "Software Engineering",
    "cs.SI": "Social and Information Networks",
    "cs.SY": "Systems and Control",
    # Economics
    "econ.EM": "Econometrics",
    "econ.GN": "General Economics",
    "econ.TH": "Theoretical Economics",
    # Electrical Engineering and Systems Science
    "eess.AS": "Audio and Speech Processing",
    "eess.IV": "Image and Video Processing",
    "eess.SP": "Signal Processing",
    "eess.SY": "Systems and Control",
    # Mathematics
    "math.AC": "Commutative Algebra",
    "math.AG": "Algebraic Geometry",
    "math.AP": "Analysis of PDEs",
    "math.AT": "Algebraic Topology",
    "math.CA": "Classical Analysis and ODEs",
    "math.CO": "Combinatorics",
    "math.CT": "Category Theory",
    "math.CV": "Complex Variables",
    "math.DG": "Differential Geometry",
    "math.DS": "Dynamical Systems",
    "math.FA": "Functional Analysis",
    "math.GM": "General Mathematics",
    "math.GN": "General Topology",
    "math.GR": "Group Theory",
    "math.GT": "Geometric Topology",
    "math.HO": "History and Overview",
    "math.IT": "Information Theory",
    "math.KT": "K-Theory and Homology",
    "math.LO": "Logic",
    "math.MG": "Metric Geometry",
    "math.MP": "Mathematical Physics",
    "math.NA": "Numerical Analysis",
    "math.NT": "Number Theory",
    "math.OA": "Operator Algebras",
    "math.OC": "Optimization and Control",
    "math.PR": "Probability",
    "math.QA": "Quantum Algebra",
    "math.RA": "Rings and Algebras",
    "math.RT": "Representation Theory",
    "math.SG": "Symplectic Geometry",
    "math.SP": "Spectral Theory",
    "math.ST": "Statistics Theory",
    # Physics: Astrophysics
    "astro-ph.CO": "Cosmology and Nongalactic Astrophysics",
    "astro-ph.EP": "Earth and Planetary Astrophysics",
    "astro-ph.GA": "Astrophysics of Galaxies",
    "astro-ph.HE": "High Energy Astrophysical Phenomena",
    "astro-ph.IM": "Instrumentation and Methods for Astrophysics",
    "astro-ph.SR": "Solar and Stellar Astrophysics",
    # Physics: Condensed Matter
    "cond-mat.dis-nn": "Disordered Systems and Neural Networks",
    "cond-mat.mes-hall": "Mesoscale and Nanoscale Physics",
    "cond-mat.mtrl-sci": "Materials Science",
    "cond-mat.other": "Other Condensed Matter",
    "cond-mat.quant-gas": "Quantum Gases",
    "cond-mat.soft": "Soft Condensed Matter",
    "cond-mat.stat-mech": "Statistical Mechanics",
    "cond-mat.str-el": "Strongly Correlated Electrons",
    "cond-mat.supr-con": "Superconductivity",
    # Physics: single-category archives
    "gr-qc": "General Relativity and Quantum Cosmology",
    "hep-ex": "High Energy Physics - Experiment",
    "hep-lat": "High Energy Physics - Lattice",
    "hep-ph": "High Energy Physics - Phenomenology",
    "hep-th": "High Energy Physics - Theory",
    "math-ph": "Mathematical Physics",
    "nucl-ex": "Nuclear Experiment",
    "nucl-th": "Nuclear Theory",
    "quant-ph": "Quantum Physics",
    # Physics: Nonlinear Sciences
    "nlin.AO": "Adaptation and Self-Organizing Systems",
    "nlin.CD": "Chaotic Dynamics",
    "nlin.CG": "Cellular Automata and Lattice Gases",
    "nlin.PS": "Pattern Formation and Solitons",
    "nlin.SI": "Exactly Solvable and Integrable Systems",
    # Physics: Physics
    "physics.acc-ph": "Accelerator Physics",
    "physics.ao-ph": "Atmospheric and Oceanic Physics",
    "physics.app-ph": "Applied Physics",
    "physics.atm-clus": "Atomic and Molecular Clusters",
    "physics.atom-ph": "Atomic Physics",
    "physics.bio-ph": "Biological Physics",
    "physics.chem-ph": "Chemical Physics",
    "physics.class-ph": "Classical Physics",
    "physics.comp-ph": "Computational Physics",
    "physics.data-an": "Data Analysis, Statistics and Probability",
    "physics.ed-ph": "Physics Education",
    "physics.flu-dyn": "Fluid Dynamics",
    "physics.gen-ph": "General Physics",
    "physics.geo-ph": "Geophysics",
    "physics.hist-ph": "History and Philosophy of Physics",
    "physics.ins-det": "Instrumentation and Detectors",
    "physics.med-ph": "Medical Physics",
    "physics.optics": "Optics",
    "physics.plasm-ph": "Plasma Physics",
    "physics.pop-ph": "Popular Physics",
    "physics.soc-ph": "Physics and Society",
    "physics.space-ph": "Space Physics",
    # Quantitative Biology
    "q-bio.BM": "Biomolecules",
    "q-bio.CB": "Cell Behavior",
    "q-bio.GN": "Genomics",
    "q-bio.MN": "Molecular Networks",
    "q-bio.NC": "Neurons and Cognition",
    "q-bio.OT": "Other Quantitative Biology",
    "q-bio.PE": "Populations and Evolution",
    "q-bio.QM": "Quantitative Methods",
    "q-bio.SC": "Subcellular Processes",
    "q-bio.TO": "Tissues and Organs",
    # Quantitative Finance
    "q-fin.CP": "Computational Finance",
    "q-fin.EC": "Economics",
    "q-fin.GN": "General Finance",
    "q-fin.MF": "Mathematical Finance",
    "q-fin.PM": "Portfolio Management",
    "q-fin.PR": "Pricing of Securities",
    "q-fin.RM": "Risk Management",
    "q-fin.ST": "Statistical Finance",
    "q-fin.TR": "Trading and Market Microstructure",
    # Statistics
    "stat.AP": "Applications",
    "stat.CO": "Computation",
    "stat.ME": "Methodology",
    "stat.ML": "Machine Learning",
    "stat.OT": "Other Statistics",
    "stat.TH": "Statistics Theory",
}

# Archives that were later split or merged; old papers still carry these codes (``astro-ph/0601001`` is
# in ``astro-ph``), so they need names too. Their subject names are written in full.
LEGACY_CATEGORIES: dict[str, str] = {
    "astro-ph": "Astrophysics",
    "cond-mat": "Condensed Matter",
    "acc-phys": "Accelerator Physics",
    "adap-org": "Adaptation, Noise, and Self-Organizing Systems",
    "alg-geom": "Algebraic Geometry",
    "ao-sci": "Atmospheric-Oceanic Sciences",
    "atom-ph": "Atomic, Molecular and Optical Physics",
    "bayes-an": "Bayesian Analysis",
    "chao-dyn": "Chaotic Dynamics",
    "chem-ph": "Chemical Physics",
    "cmp-lg": "Computation and Language",
    "comp-gas": "Cellular Automata and Lattice Gases",
    "dg-ga": "Differential Geometry",
    "funct-an": "Functional Analysis",
    "mtrl-th": "Materials Theory",
    "patt-sol": "Pattern Formation and Solitons",
    "plasm-ph": "Plasma Physics",
    "q-alg": "Quantum Algebra and Topology",
    "solv-int": "Exactly Solvable and Integrable Systems",
    "supr-con": "Superconductivity",
}

# Subject names arXiv used before a category was renamed (seen in older OAI-PMH harvests).
_FORMER_SUBJECT_NAMES: dict[str, str] = {
    "Computer Science - Learning": "cs.LG",
    "Mathematics - Statistics": "math.ST",
}


def _archive(code: str) -> str:
    return code.split(".", 1)[0] if "." in code else code


def subject_name(code: str) -> str | None:
    """The name arXiv uses as a Dublin Core subject: ``cs.LG`` -> ``Computer Science - Machine Learning``."""
    if code in LEGACY_CATEGORIES:
        return LEGACY_CATEGORIES[code]
    name = CATEGORIES.get(code)
    if name is None:
        return None
    group = ARCHIVES.get(_archive(code)) if "." in code else None
    return f"{group} - {name}" if group else name


def _build_subject_index() -> dict[str, str]:
    index: dict[str, str] = {}
    # Current categories first so that a name shared with a legacy archive maps to the current code.
    for code in CATEGORIES:
        name = subject_name(code)
        if name:
            index.setdefault(name.lower(), code)
    for code in LEGACY_CATEGORIES:
        index.setdefault(LEGACY_CATEGORIES[code].lower(), code)
    for name, code in _FORMER_SUBJECT_NAMES.items():
        index.setdefault(name.lower(), code)
    return index


_SUBJECT_INDEX = _build_subject_index()
_CODE_INDEX = {code.lower(): code for code in (*CATEGORIES, *LEGACY_CATEGORIES)}
_SPACES = re.compile(r"\s+")
_ACM_MISC = re.compile(r"[A-K]\.m", re.IGNORECASE)  # ACM "miscellaneous" classes such as "F.m"


def category_name(code: str) -> str | None:
    """``cs.LG`` -> ``Machine Learning``; ``None`` for a code arXiv does not have."""
    canonical = _CODE_INDEX.get(code.strip().lower())
    if canonical is None:
        return None
    return CATEGORIES.get(canonical) or LEGACY_CATEGORIES[canonical]


def is_category(code: str) -> bool:
    return code.strip().lower() in _CODE_INDEX


def subject_to_category(subject: str) -> str | None:
    """``'Condensed Matter - Statistical Mechanics'`` -> ``'cond-mat.stat-mech'``; ``None`` if unknown.

    Group names alone ("Quantitative Biology") and classification codes (MSC "40-01, 65B10", ACM "I.2.6")
    that authors put among the subjects are not categories and give ``None``.
    """
    return _SUBJECT_INDEX.get(_SPACES.sub(" ", subject).strip().lower())


def is_classification_code(subject: str) -> bool:
    """MSC/ACM codes ("40-01, 65B10", "Primary 60G65", "I.2.6", "F.m") are subjects, never categories.

    No arXiv subject name contains a digit, so any digit marks a classification code.
    """
    return any(ch.isdigit() for ch in subject) or bool(_ACM_MISC.fullmatch(subject.strip()))


def is_group_name(subject: str) -> bool:
    """A bare group name ("Quantitative Biology") says less than the categories listed beside it."""
    return subject.strip().lower() in {name.lower() for name in ARCHIVES.values()} - set(_SUBJECT_INDEX)


def unmapped_subjects(subjects: list[str]) -> list[str]:
    """Subjects that look like arXiv category names but are missing from the table (for checks and logs)."""
    return [
        s for s in subjects if subject_to_category(s) is None and not is_classification_code(s) and not is_group_name(s)
    ]
