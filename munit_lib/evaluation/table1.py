"""The paper's Table 1 findings, checked on rows of ``evaluate`` results (notebook 11).

MUNIT's Table 1 (edges -> shoes) compares MUNIT with its ablations and with UNIT, CycleGAN,
CycleGAN* and BicycleGAN on quality (human preference) and diversity (LPIPS). Its numbers are
not comparable with ours (another data set, another judge, another distance); its *orderings*
are the findings, and each is a yes-or-no question about our rows:

=========================  ==============================================================  ==================
finding                    paper (quality % preferred over MUNIT / LPIPS)                  checked as
=========================  ==============================================================  ==================
unimodal baselines         UNIT 37.4 / 0.011, CycleGAN 36.0 / 0.010, CycleGAN* 29.5 / 0.016  diversity <= 20% of MUNIT's
without L_x                6.0 / 0.213: more diverse, quality collapses                     diversity > MUNIT's and quality < MUNIT's
without L_c                20.7 / 0.172: more diverse, worse                                diversity > MUNIT's and quality < MUNIT's
without L_s                28.6 / 0.070: less diverse                                      diversity < MUNIT's
BicycleGAN                 56.7 / 0.104: MUNIT's diversity approaches it without pairs      MUNIT's diversity >= 80% of BicycleGAN's
=========================  ==============================================================  ==================

"MUNIT" is the row named ``munit`` (by default ``shapes_cyc0``: the paper's objective, trained
with the same budget as the ablations and the baselines). A finding whose rows are missing is
reported as not measured (``reproduced = None``), never guessed.
"""
from __future__ import annotations

from typing import Optional

__all__ = ["TABLE1_ROWS", "UNIMODAL_SHARE", "BICYCLE_SHARE", "table1_findings", "markdown_findings"]

# the shipped models of Table 1 on shapes, in the order of the paper's table (munit_lib.pretrained names)
TABLE1_ROWS = ("unit", "cyclegan", "cyclegan_noise", "shapes_nox", "shapes_noc", "shapes_nos", "shapes_cyc0",
               "bicyclegan", "shapes_cyc10", "shapes_sd2", "shapes_sd32", "shapes_cpu")
UNIMODAL_SHARE = 0.2  # "near-zero diversity": at most this share of MUNIT's (the paper: 0.010-0.016 of 0.109)
BICYCLE_SHARE = 0.8  # "approaches BicycleGAN's": at least this share of it (the paper: 0.109 against 0.104)


def _value(rows: dict, name: str, key: str) -> Optional[float]:
    value = rows.get(name, {}).get(key)
    return float(value) if isinstance(value, (int, float)) else None


def table1_findings(rows: dict[str, dict], munit: str = "shapes_cyc0", diversity: str = "diversity",
                    quality: str = "quality") -> list[dict]:
    """Check each finding of the paper's Table 1 on ``rows`` (model name -> ``evaluate`` result).

    Returns one dict per finding: ``finding`` (the paper's claim, in words), ``paper`` (its numbers),
    ``measured`` (ours, in words with the numbers) and ``reproduced`` (True / False, or None when a
    row it needs is missing). ``diversity`` / ``quality`` name the columns compared (for example
    ``"diversity_lpips"`` when the real LPIPS was measured)."""
    out = []

    def add(finding: str, paper: str, needed: list, check, describe) -> None:
        values = [_value(rows, name, key) for name, key in needed]
        if any(v is None for v in values):
            missing = sorted({name for (name, key), v in zip(needed, values) if v is None})
            out.append({"finding": finding, "paper": paper, "reproduced": None,
                        "measured": f"not measured: no {', '.join(missing)} row"})
        else:
            out.append({"finding": finding, "paper": paper, "reproduced": bool(check(*values)),
                        "measured": describe(*values)})

    for name, title, paper in (("unit", "UNIT", "0.011"), ("cyclegan", "CycleGAN", "0.010"),
                               ("cyclegan_noise", "CycleGAN*", "0.016")):
        add(f"{title} has near-zero diversity (unimodal)", f"LPIPS {paper} against MUNIT's 0.109",
            [(name, diversity), (munit, diversity)],
            lambda d, m: d <= UNIMODAL_SHARE * m,
            lambda d, m, title=title: f"{title} {d:.3f} against MUNIT's {m:.3f} ({d / m:.0%} of it; "
                                      f"near zero means at most {UNIMODAL_SHARE:.0%})")
    for name, term, claim, paper in (
            ("shapes_nox", "L_x", "more diverse than MUNIT, and its quality collapses", "6.0% preferred, LPIPS 0.213"),
            ("shapes_noc", "L_c", "more diverse than MUNIT, and of lower quality", "20.7% preferred, LPIPS 0.172")):
        add(f"Without {term}: {claim}", paper, [(name, diversity), (name, quality), (munit, diversity),
                                                (munit, quality)],
            lambda d, q, dm, qm: d > dm and q < qm,
            lambda d, q, dm, qm: f"diversity {d:.3f} against {dm:.3f}, quality {q:.3f} against {qm:.3f}")
    add("Without L_s: less diverse than MUNIT", "28.6% preferred, LPIPS 0.070 against 0.109",
        [("shapes_nos", diversity), (munit, diversity)], lambda d, m: d < m,
        lambda d, m: f"diversity {d:.3f} against MUNIT's {m:.3f}")
    add("MUNIT's diversity approaches BicycleGAN's, without pairs", "LPIPS 0.109 against BicycleGAN's 0.104",
        [(munit, diversity), ("bicyclegan", diversity)], lambda m, b: m >= BICYCLE_SHARE * b,
        lambda m, b: f"MUNIT {m:.3f} against BicycleGAN {b:.3f} ({m / b:.0%} of it; "
                     f"approaching means at least {BICYCLE_SHARE:.0%})")
    return out


def markdown_findings(findings: list[dict]) -> str:
    """The findings as a Markdown table: finding, the paper, ours, reproduced (yes / no / not measured)."""
    verdict = {True: "yes", False: "**no**", None: "not measured"}
    lines = ["| finding (paper's Table 1) | paper | shapes | reproduced |", "|---|---|---|---|"]
    lines += [f"| {f['finding']} | {f['paper']} | {f['measured']} | {verdict[f['reproduced']]} |" for f in findings]
    return "\n".join(lines) + "\n"
