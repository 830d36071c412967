"""Benchmark: our segmentation pipeline against the classic KMeans workflow.

    python benchmarks/pipeline.py                      # 100k and 1M rows (~5 min on 2 cores)
    python benchmarks/pipeline.py --sizes 100000       # quick
    python benchmarks/pipeline.py --with-5m            # adds 5M rows
    python benchmarks/pipeline.py --threads 1          # every fit under threadpool_limits(1)

For each size the customer table is generated once and written to a CSV file (not timed).
Then, each in a FRESH subprocess so that sizes and sides do not share memory:

- ours:      the pipeline as the app runs it, stage by stage, with the peak RSS of each
             stage, then a k slider step (k -> k+1);
- baseline:  pandas.read_csv, StandardScaler, KMeans(k, random_state=42) for k = 1..10,
             the final fit, DataFrame.to_csv;
- reference: quality on the same prepared matrix: KMeans(k, n_init=10, random_state=42) on
             all rows for k = 2..10, silhouette on a fixed-seed sample; the recommended k
             and the inertia our final fit should reach.

See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from common import (
    DATASETS_DIR,
    FEATURES,
    GENERATOR,
    NA,
    OUT_DIR,
    Recorder,
    fmt_mb,
    fmt_seconds,
    make_customers,
    silhouettes_on_sample,
    table,
    timed,
    to_csv_file,
)

K_SWEEP = range(2, 11)
BASELINE_K = range(1, 11)
RANDOM_STATE = 42
#: Rows the reference silhouette is computed on (silhouette is O(n^2)).
REFERENCE_SILHOUETTE_SAMPLE = 20_000
#: Above this many rows the reference runs only the final fit, not the k = 2..10 sweep.
REFERENCE_SWEEP_MAX = 1_000_000

#: Our stages, in the order the app runs them, with the baseline stage beside each.
STAGES = (
    ("read bytes", "read_csv"),
    ("  of which health report", None),
    ("choose features", None),
    ("prepare features (once per choice)", "StandardScaler"),
    ("k sweep 2..10", "KMeans k=1..10"),
    ("final fit", "KMeans(k)"),
    ("profiles", None),
    ("scatter figure", None),
    ("figure JSON", None),
    ("labelled CSV bytes (export page)", "to_csv"),
)
#: Stages that are part of another one (not added to the total).
NESTED = {"  of which health report"}
#: The baseline's KMeans again under threadpool_limits(1): (its stage, the default one).
BASELINE_ONE_THREAD = {
    "KMeans k=1..10 (1 thread)": "KMeans k=1..10",
    "KMeans(k) (1 thread)": "KMeans(k)",
}
K_STEP_STAGES = (
    "fit",
    "profiles",
    "scatter figure",
    "figure JSON",
    "labelled CSV bytes (export page)",
)
EXPORT_STAGES = ("labelled CSV bytes (export page)",)
#: The scatter as the Segments page draws it.
MAX_POINTS = 20_000


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def thread_limit(threads: int | None):
    if threads is None:
        return contextlib.nullcontext()
    from threadpoolctl import threadpool_limits

    return threadpool_limits(threads)


# =============================================================================== children


def load_upload(path: str) -> bytes:
    """The uploaded file's bytes, as Streamlit holds them in memory."""
    return Path(path).read_bytes()


def app_choices(data: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The app's default choices: default features and the suggested log transforms."""
    from segmentation.prepare import default_features, suggested_log_features

    features = tuple(default_features(data))
    return features, tuple(suggested_log_features(data, features))


def health_call(data: Any) -> Any:
    """The health report of `data` computed again on its own (it is part of read_customers)."""
    from segmentation.health import build_report as build

    r = data.report
    return build(
        data.frame,
        id_column=data.id_column,
        file_format=r.file_format,
        numeric_columns=r.numeric_columns,
        date_columns=r.date_columns,
        encoding=r.encoding,
        delimiter=r.delimiter,
        decimal=r.decimal,
        id_candidates=r.id_candidates,
        converted_columns=r.converted_columns,
    )


def figure_points(fig: Any) -> int:
    total = 0
    for trace in getattr(fig, "data", ()):
        x = getattr(trace, "x", None)
        total += 0 if x is None else len(x)
    return total


def segment_names(profiles: Any, k: int) -> tuple[str, ...]:
    names = getattr(profiles, "names", None)
    return tuple(names) if names else tuple(f"Segment {i}" for i in range(1, k + 1))


def show_steps(frame, data, seg, rec: Recorder) -> dict[str, Any]:
    """What the pages do after a fit: profiles, the scatter (and the JSON Streamlit sends),
    and on the Export page the labelled customers' CSV bytes."""
    info: dict[str, Any] = {}
    from segmentation.charts import scatter_figure
    from segmentation.export import labelled_csv_bytes
    from segmentation.profile import profile_segments

    profiles = rec.run("profiles", lambda: profile_segments(frame, seg))
    names = segment_names(profiles, seg.k)
    features = list(seg.features)
    fig = rec.run(
        "scatter figure",
        lambda: scatter_figure(
            frame,
            seg,
            names,
            x=features[0],
            y=features[1] if len(features) > 1 else features[0],
            view="features",
            id_column=data.id_column,
            max_points=MAX_POINTS,
        ),
    )
    if fig is None:
        rec.skip("figure JSON", "scatter figure failed")
    else:
        info["points_drawn"] = figure_points(fig)
        spec = rec.run("figure JSON", fig.to_json)
        info["figure_json_mb"] = None if spec is None else len(spec) / 2**20
        del spec
    del fig
    blob = rec.run("labelled CSV bytes (export page)", lambda: labelled_csv_bytes(data, seg, names))
    info["csv_mb"] = None if blob is None else len(blob) / 2**20
    del blob
    return info


def warm_up_charts() -> None:
    """Build and serialise the sample's charts once, untimed.

    Plotly loads its property validators on a process's first figure (~0.2 s here). The
    app's server pays that once, for its first visitor, as it pays for its imports; an
    upload never does, so no stage of an upload should.
    """
    from segmentation import charts, choose_k, model, prepare, profile, sample

    frame = sample.make_sample_customers(500)
    features = list(frame.select_dtypes("number").columns[:2])
    prepared = prepare.prepare_features(frame, features)
    choice = choose_k.evaluate_prepared(prepared, range(2, 4))
    seg = model.fit_prepared(prepared, 2)
    names = profile.profile_segments(frame, seg).names
    charts.elbow_figure(choice, current_k=2).to_json()
    charts.scatter_figure(frame, seg, names, x=features[0], y=features[1]).to_json()


def child_ours(args: argparse.Namespace) -> dict[str, Any]:
    """Our pipeline on the uploaded bytes, stage by stage as the app calls the core, then
    a k slider step."""
    # Imported before the first stage: imports are not part of any stage.
    from segmentation.choose_k import evaluate_prepared
    from segmentation.io import read_customers
    from segmentation.model import fit_prepared
    from segmentation.prepare import prepare_features

    warm_up_charts()
    rec = Recorder(repeat=args.repeat)
    raw = load_upload(args.csv)
    out: dict[str, Any] = {"rss_before_mb": rec.memory.current_mb()}
    name = Path(args.csv).name

    data = rec.run("read bytes", lambda: read_customers(raw, name=name))
    if data is None:
        raise SystemExit("read_customers failed: nothing else to measure")
    frame = data.frame
    rec.run("  of which health report", lambda: health_call(data))
    choices = rec.run("choose features", lambda: app_choices(data))
    features, logs = choices or (FEATURES, ())
    out["features"], out["log_features"], out["rows"] = list(features), list(logs), len(frame)
    # As ui/cached.py: features prepared once per choice, the sweep and every fit on them,
    # each fit starting from the sweep's centres for its k.
    prepared = rec.run(
        "prepare features (once per choice)",
        lambda: prepare_features(frame, features, log_features=logs),
    )
    choice = rec.run(
        "k sweep 2..10",
        lambda: evaluate_prepared(prepared, K_SWEEP, random_state=RANDOM_STATE),
    )
    k = choice.recommended if choice is not None else 5
    out["k"] = k
    out["sweep"] = (
        None
        if choice is None
        else {
            "sweep_sample": choice.sweep_sample,
            "silhouette_sample": choice.silhouette_sample,
            "elbow": choice.elbow,
            "silhouette": {s.k: s.silhouette for s in choice.scores},
        }
    )
    def fit(k: int):
        start = None if choice is None else choice.start_centres.get(k)
        return fit_prepared(prepared, k, random_state=RANDOM_STATE, start=start)

    seg = rec.run("final fit", lambda: fit(k))
    if seg is None:
        raise SystemExit("final fit failed: nothing else to measure")
    out["inertia"] = seg.inertia
    out["sizes"] = list(seg.sizes)
    out["fit_silhouette_sample"] = getattr(seg, "silhouette_sample", None)
    out.update(show_steps(frame, data, seg, rec))
    out["peak_mb"] = rec.memory.overall
    out["stages"] = rec.as_dict()

    # k slider step: the sweep is cached; the page refits for the new k and redraws.
    k_new = k + 1 if k < max(K_SWEEP) else k - 1
    del seg
    step = Recorder(repeat=args.repeat)
    seg = step.run("fit", lambda: fit(k_new))
    if seg is not None:
        out["k_step_info"] = show_steps(frame, data, seg, step)
    out["k_step"] = {"from": k, "to": k_new, "stages": step.as_dict()}
    del seg

    if args.compare_threads:
        out["threads"] = compare_threads(prepared.matrix, k, args.repeat)
    return out


def compare_threads(matrix: np.ndarray, k: int, repeat: int) -> dict[str, Any]:
    """KMeans under threadpool_limits(1) against the default, interleaved, best of N."""
    from sklearn.cluster import KMeans
    from threadpoolctl import threadpool_info, threadpool_limits

    default_threads = max((p["num_threads"] for p in threadpool_info()), default=1)
    rng = np.random.default_rng(RANDOM_STATE)
    sample = matrix[np.sort(rng.choice(len(matrix), min(10_000, len(matrix)), replace=False))]
    starts = KMeans(k, n_init=3, random_state=RANDOM_STATE).fit(sample).cluster_centers_
    n = f"{len(matrix) / 1e6:g}M" if len(matrix) >= 1e6 else f"{len(matrix):,}"
    jobs = {
        f"KMeans(k={k}, n_init=1), all {n} rows": lambda: KMeans(
            k, n_init=1, random_state=RANDOM_STATE
        ).fit(matrix),
        f"KMeans(k={k}, init=sample centres), all rows": lambda: KMeans(
            k, init=starts, n_init=1, random_state=RANDOM_STATE
        ).fit(matrix),
        f"KMeans(k={k}, n_init=3), 10k sample": lambda: KMeans(
            k, n_init=3, random_state=RANDOM_STATE
        ).fit(sample),
    }
    best: dict[str, dict[str, float]] = {name: {} for name in jobs}
    for _ in range(max(2, repeat)):
        for name, job in jobs.items():
            for label, limit in ((f"{default_threads} threads", None), ("1 thread", 1)):
                with threadpool_limits(limit) if limit else contextlib.nullcontext():
                    dt, _ = timed(job)
                best[name][label] = min(best[name].get(label, np.inf), dt)
    return {"default_threads": default_threads, "best": best}


def child_baseline(args: argparse.Namespace) -> dict[str, Any]:
    """The classic workflow: read_csv, StandardScaler, KMeans for k = 1..10, fit, to_csv.

    Its KMeans stages are then run again under threadpool_limits(1) (reported beside, not
    added to its total), so the speed-up can also be stated against the faster setting.
    """
    from sklearn.cluster import KMeans
    from sklearn.preprocessing import StandardScaler
    from threadpoolctl import threadpool_limits

    rec = Recorder(repeat=args.repeat)
    raw = load_upload(args.csv)
    out: dict[str, Any] = {"rss_before_mb": rec.memory.current_mb()}
    df = rec.run("read_csv", lambda: pd.read_csv(io.BytesIO(raw)))
    features = list(args.features or FEATURES)
    X = rec.run("StandardScaler", lambda: StandardScaler().fit_transform(df[features]))

    def sweep():
        return [KMeans(k, random_state=RANDOM_STATE).fit(X).inertia_ for k in BASELINE_K]

    def final():
        return KMeans(args.k, random_state=RANDOM_STATE).fit(X)

    out["inertias"] = rec.run("KMeans k=1..10", sweep)
    km = rec.run("KMeans(k)", final)

    def export():
        labelled = df.assign(segment=km.labels_ + 1)
        return labelled.to_csv(index=False).encode("utf-8")

    rec.run("to_csv", export)
    out["peak_mb"] = rec.memory.overall
    if args.threads is None:
        with threadpool_limits(1):
            rec.run("KMeans k=1..10 (1 thread)", sweep)
            rec.run("KMeans(k) (1 thread)", final)
    out["stages"] = rec.as_dict()
    return out


def reference_sweep(
    matrix: np.ndarray, k_values, *, sweep: bool, k_final: int | None
) -> dict[str, Any]:
    """Full-data KMeans(n_init=10) per k; silhouette on a fixed-seed sample; best k.

    Runs on one thread: it is not timed against anything, and on this shared machine
    one thread was the faster setting for KMeans.
    """
    from sklearn.cluster import KMeans
    from threadpoolctl import threadpool_limits

    n = len(matrix)
    rng = np.random.default_rng(RANDOM_STATE)
    idx = (
        np.arange(n)
        if n <= REFERENCE_SILHOUETTE_SAMPLE
        else np.sort(rng.choice(n, REFERENCE_SILHOUETTE_SAMPLE, replace=False))
    )
    ks = [k for k in k_values if k <= n - 1] if sweep else []
    if k_final is not None and k_final not in ks:
        ks.append(k_final)
    inertia: dict[int, float] = {}
    labels = {}
    t0 = time.perf_counter()
    with threadpool_limits(1):
        for k in ks:
            km = KMeans(k, n_init=10, random_state=RANDOM_STATE).fit(matrix)
            inertia[k] = float(km.inertia_)
            if sweep:
                labels[k] = km.labels_
        scores = silhouettes_on_sample(matrix, list(labels.values()), idx) if labels else []
    silhouette = dict(zip(labels, scores))
    recommended = max(silhouette, key=lambda k: (silhouette[k], -k)) if silhouette else None
    return {
        "inertia": inertia,
        "silhouette": silhouette,
        "recommended": recommended,
        "silhouette_sample": len(idx) if len(idx) < n else None,
        "seconds": time.perf_counter() - t0,
    }


def child_reference(args: argparse.Namespace) -> dict[str, Any]:
    """The quality reference on the same prepared matrix as ours."""
    from segmentation.io import read_customers
    from segmentation.prepare import prepare_features

    raw = load_upload(args.csv)
    frame = read_customers(raw, name=Path(args.csv).name).frame
    del raw
    features = list(args.features or FEATURES)
    logs = list(args.log_features or ())
    prepared = prepare_features(frame, features, log_features=logs)
    del frame
    sweep = len(prepared.matrix) <= REFERENCE_SWEEP_MAX
    return reference_sweep(prepared.matrix, K_SWEEP, sweep=sweep, k_final=args.k)


def child_datasets(args: argparse.Namespace) -> dict[str, Any]:
    """Recommended k: evaluate_k with the app's default choices against a full-data
    n_init=10 sweep on the same prepared matrix, on each real dataset."""
    from segmentation.choose_k import evaluate_k
    from segmentation.io import read_customers
    from segmentation.prepare import prepare_features

    results = []
    for path in sorted(Path(args.datasets).glob("*.csv")):
        row: dict[str, Any] = {"dataset": path.name}
        try:
            data = read_customers(path.read_bytes(), name=path.name)
            frame = data.frame
            row["read"] = "read_customers"
            features, logs = app_choices(data)
            prepared = prepare_features(frame, features, log_features=logs)
            dt, choice = timed(
                lambda frame=frame, features=features, logs=logs: evaluate_k(
                    frame, features, K_SWEEP, log_features=logs, random_state=RANDOM_STATE
                )
            )
            ref = reference_sweep(prepared.matrix, K_SWEEP, sweep=True, k_final=None)
            row.update(
                rows=len(prepared.matrix),
                features=len(features),
                logs=len(logs),
                ours=choice.recommended,
                ours_seconds=dt,
                ours_silhouette={s.k: s.silhouette for s in choice.scores},
                reference=ref["recommended"],
                reference_silhouette=ref["silhouette"],
            )
        except Exception as exc:  # one broken dataset must not hide the others
            row["error"] = f"{type(exc).__name__}: {exc}".splitlines()[0][:160]
        results.append(row)
        log(f"  dataset {path.name}: ours k={row.get('ours')}, reference k={row.get('reference')}")
    return {"datasets": results}


CHILDREN = {
    "ours": child_ours,
    "baseline": child_baseline,
    "reference": child_reference,
    "datasets": child_datasets,
}


def child_main(args: argparse.Namespace) -> None:
    with thread_limit(args.threads):
        result = CHILDREN[args.child](args)
    Path(args.result).write_text(json.dumps(result, default=float))


def run_child(role: str, args: argparse.Namespace, **extra: Any) -> dict[str, Any] | None:
    """Run one role in a fresh Python process; its result comes back as JSON."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as fh:
        result_path = fh.name
    cmd = [sys.executable, __file__, "--child", role, "--result", result_path]
    cmd += ["--repeat", str(args.repeat)]
    if args.threads is not None:
        cmd += ["--threads", str(args.threads)]
    for key, value in extra.items():
        if value is None:
            continue
        flag = "--" + key.replace("_", "-")
        if isinstance(value, bool):
            cmd += [flag] if value else []
        elif isinstance(value, list | tuple):
            cmd += [flag, *map(str, value)]
        else:
            cmd += [flag, str(value)]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, check=False)
    log(f"  [{role}] finished in {time.perf_counter() - t0:.1f} s (exit {proc.returncode})")
    try:
        if proc.returncode != 0:
            return None
        return json.loads(Path(result_path).read_text())
    finally:
        os.unlink(result_path)


# ============================================================================ reporting


def stage_seconds(stages: dict[str, Any], name: str) -> float | None:
    stage = stages.get(name)
    if not stage or stage["status"] != "ok":
        return None
    return stage["seconds"]


def stage_cell(stages: dict[str, Any] | None, name: str | None) -> str:
    if stages is None or name is None:
        return "-"
    stage = stages.get(name)
    if stage is None:
        return "-"
    if stage["status"] == "ok":
        return fmt_seconds(stage["seconds"])
    return NA if stage["status"] == "n/a" else "error"


def totals(stages: dict[str, Any], leave_out=NESTED) -> tuple[float, list[str]]:
    total, missing = 0.0, []
    for name, stage in stages.items():
        if name in leave_out:
            continue
        if stage["status"] == "ok":
            total += stage["seconds"]
        else:
            missing.append(name.strip())
    return total, missing


def best_thread_total(stages: dict[str, Any]) -> float | None:
    """The baseline's total with each KMeans stage at its faster thread setting."""
    total, _ = totals(stages, leave_out=set(BASELINE_ONE_THREAD))
    for one, default in BASELINE_ONE_THREAD.items():
        a, b = stage_seconds(stages, one), stage_seconds(stages, default)
        if a is None or b is None:
            return None
        total -= b - min(a, b)
    return total


def size_report(n: int, ours: dict | None, base: dict | None, ref: dict | None) -> tuple[str, dict]:
    """The per-size tables and the numbers the targets are judged on."""
    o_st = ours["stages"] if ours else {}
    b_st = base["stages"] if base else {}
    rows = []
    for ours_name, base_name in STAGES:
        label = ours_name if base_name is None else f"{ours_name} | {base_name}"
        peak = o_st.get(ours_name, {}).get("peak_mb")
        rows.append([label, stage_cell(o_st, ours_name), stage_cell(b_st, base_name), fmt_mb(peak)])
    for one in BASELINE_ONE_THREAD:
        if one in b_st:
            rows.append([f"  (baseline {one})", "", stage_cell(b_st, one), ""])
    o_total, o_missing = totals(o_st) if ours else (None, ["all"])
    b_total, _ = totals(b_st, leave_out=set(BASELINE_ONE_THREAD)) if base else (None, [])
    b_best = best_thread_total(b_st) if base else None
    ratio = b_total / o_total if o_total and b_total else None
    ratio_best = b_best / o_total if o_total and b_best else None
    rows.append(["TOTAL", fmt_seconds(o_total), fmt_seconds(b_total), ""])
    if b_best is not None:
        rows.append(
            ["  baseline with KMeans at its faster thread setting", "", fmt_seconds(b_best), ""]
        )
    rows.append(
        [
            "peak RSS, whole process (MB)",
            fmt_mb(ours and ours["peak_mb"]),
            fmt_mb(base and base["peak_mb"]),
            "",
        ]
    )
    rows.append(
        [
            "  RSS after imports + upload bytes (MB)",
            fmt_mb(ours and ours["rss_before_mb"]),
            fmt_mb(base and base["rss_before_mb"]),
            "",
        ]
    )
    lines = [
        table(
            ["stage (ours | baseline)", "ours (s)", "baseline (s)", "ours stage peak MB"],
            rows,
            title=f"== {n:,} customers x 6 features ==",
        )
    ]
    partial = f" (PARTIAL: ours lacks {', '.join(o_missing)})" if o_missing else ""
    lines.append(
        "speed-up baseline/ours: "
        + ("n/a" if ratio is None else f"{ratio:.1f}x")
        + (
            ""
            if ratio_best is None
            else f" ({ratio_best:.1f}x against the baseline's faster thread setting)"
        )
        + partial
    )
    metrics: dict[str, Any] = {
        "ours_total": o_total,
        "baseline_total": b_total,
        "baseline_best_threads_total": b_best,
        "ratio": ratio,
        "ratio_best_threads": ratio_best,
        "ours_missing": o_missing,
        "peak_mb": ours and ours["peak_mb"],
        "baseline_peak_mb": base and base["peak_mb"],
    }
    if ours:
        sweep = ours.get("sweep") or {}
        lines.append(
            f"ours: features {', '.join(ours['features'])}; log1p on "
            f"{', '.join(ours['log_features']) or 'none'}; recommended k={ours['k']} "
            f"(elbow {sweep.get('elbow')}); sweep sample {sweep.get('sweep_sample')}, "
            f"silhouette sample {sweep.get('silhouette_sample')}; sizes {ours['sizes']}"
        )
        if ours.get("points_drawn") is not None:
            lines.append(
                f"scatter: {ours['points_drawn']:,} points drawn, figure JSON "
                f"{ours.get('figure_json_mb') or 0:.1f} MB; labelled CSV "
                f"{ours.get('csv_mb') or 0:.1f} MB"
            )
    if ours and ref:
        ref_inertia = ref["inertia"].get(str(ours["k"]))
        rel = None if ref_inertia is None else (ours["inertia"] - ref_inertia) / ref_inertia
        metrics.update(inertia_rel=rel, k_ours=ours["k"], k_ref=ref["recommended"])
        same = (
            "-"
            if ref["recommended"] is None
            else ("same" if ref["recommended"] == ours["k"] else "DIFFERENT")
        )
        q_rows = [
            [
                f"final inertia (k={ours['k']})",
                f"{ours['inertia']:.6g}",
                NA if ref_inertia is None else f"{ref_inertia:.6g}",
                NA if rel is None else f"{rel * 100:+.3f}%",
            ],
            ["recommended k", str(ours["k"]), str(ref["recommended"] or NA), same],
        ]
        lines.append(
            table(
                ["quality", "ours", "reference n_init=10", "difference"],
                q_rows,
                title=f"quality (reference: full-data KMeans n_init=10 on the same prepared "
                f"matrix, {ref['seconds']:.0f} s; silhouette sample {ref['silhouette_sample']})",
            )
        )
        if ref["silhouette"] and ours.get("sweep"):
            sil_rows = []
            for k in K_SWEEP:
                o = ours["sweep"]["silhouette"].get(str(k))
                r = ref["silhouette"].get(str(k))
                sil_rows.append(
                    [str(k), NA if o is None else f"{o:.4f}", NA if r is None else f"{r:.4f}"]
                )
            lines.append(table(["k", "silhouette ours (sweep)", "silhouette reference"], sil_rows))
    if ours and ours.get("k_step"):
        step = ours["k_step"]
        st = step["stages"]
        k_rows = [
            [name, stage_cell(st, name), fmt_mb(st.get(name, {}).get("peak_mb"))]
            for name in K_STEP_STAGES
        ]
        server = sum(stage_seconds(st, s) or 0.0 for s in K_STEP_STAGES[:4])
        export = sum(stage_seconds(st, s) or 0.0 for s in K_STEP_STAGES[4:])
        missing = [s for s in K_STEP_STAGES[:4] if stage_seconds(st, s) is None]
        k_rows.append(["TOTAL Segments page (fit .. figure JSON)", fmt_seconds(server), ""])
        k_rows.append(["TOTAL with the Export page's CSV", fmt_seconds(server + export), ""])
        metrics.update(k_step=server, k_step_with_export=server + export, k_step_missing=missing)
        lines.append(
            table([f"k slider step {step['from']} -> {step['to']}", "seconds", "peak MB"], k_rows)
        )
    return "\n".join(lines), metrics


def threads_report(threads: dict[str, Any], n: int) -> str:
    rows = []
    for name, best in threads["best"].items():
        labels = list(best)
        d, one = best[labels[0]], best[labels[1]]
        rows.append([name, f"{d:.3f}", f"{one:.3f}", "1 thread" if one < d else labels[0]])
    head = f"{threads['default_threads']} threads (default)"
    return table(
        ["job", head, "1 thread", "faster"],
        rows,
        title=f"== threads at {n:,} rows (best of rounds, interleaved) ==",
    )


def datasets_report(result: dict[str, Any]) -> tuple[str, bool | None]:
    rows, all_same = [], True
    for r in result["datasets"]:
        if "error" in r:
            rows.append([r["dataset"], "-", "-", "-", "-", "-", "error: " + r["error"]])
            all_same = False
            continue
        same = r["ours"] == r["reference"]
        all_same &= same
        ours_sil = r["ours_silhouette"].get(str(r["ours"])) or float("nan")
        ref_sil = r["reference_silhouette"].get(str(r["reference"])) or float("nan")
        ref_at_ours = r["reference_silhouette"].get(str(r["ours"])) or float("nan")
        rows.append(
            [
                r["dataset"],
                f"{r['rows']:,} x {r['features']} ({r['logs']} log)",
                f"{r['ours']} ({ours_sil:.3f})",
                f"{r['reference']} ({ref_sil:.3f})",
                f"{ref_at_ours:.3f}",
                "same" if same else "DIFFERENT",
                f"{r['ours_seconds']:.2f}s; {r['read']}",
            ]
        )
    text = table(
        [
            "dataset",
            "rows x features",
            "ours k (sil)",
            "reference k (sil)",
            "ref sil at ours k",
            "equal",
            "note",
        ],
        rows,
        title="== recommended k on ../shared/datasets (reference: all rows, n_init=10) ==",
    )
    return text, all_same


def verdict(ok: bool | None) -> str:
    return "not measured" if ok is None else ("MET" if ok else "MISSED")


def targets_report(per_size: dict[int, dict], datasets_same: bool | None, sizes) -> str:
    big = per_size.get(1_000_000)
    small = per_size.get(100_000)
    rows = []

    def add(target, value, ok):
        rows.append([target, value, verdict(ok)])

    if big:
        r, rb = big.get("ratio"), big.get("ratio_best_threads")
        partial = " (partial)" if big["ours_missing"] else ""
        add(
            ">= 8x faster end to end (1M)",
            NA if r is None else f"{r:.1f}x{partial}",
            None if r is None or big["ours_missing"] else r >= 8,
        )
        add(
            "  same, baseline KMeans on its faster threads",
            NA if rb is None else f"{rb:.1f}x{partial}",
            None if rb is None or big["ours_missing"] else rb >= 8,
        )
        rel = big.get("inertia_rel")
        add(
            "inertia within 0.5% of n_init=10 (1M)",
            NA if rel is None else f"{rel * 100:+.3f}%",
            None if rel is None else abs(rel) <= 0.005,
        )
        same = None if big.get("k_ref") is None else big["k_ref"] == big["k_ours"]
        add("same recommended k (1M data)", f"{big.get('k_ours')} vs {big.get('k_ref')}", same)
        step = big.get("k_step")
        missing = big.get("k_step_missing") or []
        add(
            "k step < 1 s server time (1M, Segments page)",
            NA if step is None else f"{step:.2f} s" + (" (partial)" if missing else ""),
            None if step is None or missing else step < 1.0,
        )
        peak = big.get("peak_mb")
        add(
            "peak RSS < 600 MB (1M)",
            NA if peak is None else f"{peak:.0f} MB" + partial,
            None if peak is None else peak < 600,
        )
    if 5_000_000 in sizes:
        five = per_size.get(5_000_000)
        done = bool(five and five.get("ours_total") is not None)
        add("5M completes", "yes" if done else "no", done)
        if five and five.get("peak_mb"):
            add("  5M peak RSS (info)", f"{five['peak_mb']:.0f} MB", None)
    else:
        add("5M completes", "not run (use --with-5m)", None)
    add(
        "same recommended k on ../shared/datasets",
        "-" if datasets_same is None else ("all same" if datasets_same else "some differ"),
        datasets_same,
    )
    if small:
        for label, key in (
            ("100k: upload -> Segments page shown < 0.5 s", "upload_interaction"),
            ("100k: k step < 0.5 s (Segments page)", "k_step"),
            ("100k: Export page CSV < 0.5 s", "export_interaction"),
        ):
            value = small.get(key)
            add(label, fmt_seconds(value), None if value is None else value < 0.5)
        worst = small.get("worst_stage")
        add(
            "  100k slowest single stage (info)",
            NA if worst is None else f"{worst[1]:.2f} s ({worst[0]})",
            None,
        )
    return table(["target", "measured", "verdict"], rows, title="== targets ==")


# ================================================================================= main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        default=[100_000, 1_000_000],
        help="customer counts to benchmark (default: 100000 1000000)",
    )
    p.add_argument("--with-5m", action="store_true", help="also run 5,000,000 customers")
    p.add_argument(
        "--threads",
        type=int,
        default=None,
        help="run every child under threadpool_limits(N) (default: library default)",
    )
    p.add_argument(
        "--repeat", type=int, default=1, help="run each stage R times and keep the best (default 1)"
    )
    p.add_argument(
        "--no-quality",
        action="store_true",
        help="skip the n_init=10 reference (saves ~1 min at 1M)",
    )
    p.add_argument("--no-datasets", action="store_true", help="skip ../shared/datasets")
    p.add_argument(
        "--no-threads-compare", action="store_true", help="skip the 1-thread vs default comparison"
    )
    p.add_argument("--datasets", default=str(DATASETS_DIR), help="folder of CSV datasets")
    p.add_argument(
        "--json",
        default=None,
        help="write results as JSON here (default benchmarks/out/pipeline-<time>.json)",
    )
    p.add_argument(
        "--browser",
        action="store_true",
        help="also time the app in Chromium (benchmarks/browser.py) at 1M rows, or the\n"
        "largest size up to 1M",
    )
    # internal: one role in a fresh process
    p.add_argument("--child", choices=sorted(CHILDREN), help=argparse.SUPPRESS)
    p.add_argument("--result", help=argparse.SUPPRESS)
    p.add_argument("--csv", help=argparse.SUPPRESS)
    p.add_argument("--k", type=int, default=None, help=argparse.SUPPRESS)
    p.add_argument("--features", nargs="+", default=None, help=argparse.SUPPRESS)
    p.add_argument("--log-features", nargs="*", default=None, help=argparse.SUPPRESS)
    p.add_argument("--compare-threads", action="store_true", help=argparse.SUPPRESS)
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.child:
        child_main(args)
        return
    sizes = list(dict.fromkeys(args.sizes + ([5_000_000] if args.with_5m else [])))
    import sklearn

    started = time.perf_counter()
    header = (
        f"benchmarks/pipeline.py  {time.strftime('%Y-%m-%d %H:%M:%S')}  python "
        f"{platform.python_version()}, pandas {pd.__version__}, numpy {np.__version__}, "
        f"scikit-learn {sklearn.__version__}; {os.cpu_count()} CPUs, load average "
        f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}; threads: "
        f"{'default' if args.threads is None else args.threads}; best of {args.repeat}"
    )
    print(header, flush=True)
    compare_at = (
        1_000_000
        if 1_000_000 in sizes
        else max(s for s in sizes if s <= 1_000_000)
        if any(s <= 1_000_000 for s in sizes)
        else None
    )
    results: dict[str, Any] = {"header": header, "sizes": {}}
    per_size: dict[int, dict] = {}
    with tempfile.TemporaryDirectory(prefix="segbench-") as tmp:
        for n in sizes:
            log(f"[{n:,}] generating customers and writing CSV (not timed)")
            frame = make_customers(n, random_state=RANDOM_STATE)
            source = GENERATOR
            path = Path(tmp) / f"customers_{n}.csv"
            size = to_csv_file(frame, path)
            del frame
            log(f"[{n:,}] {source}; CSV {size / 2**20:.1f} MB")
            log(f"[{n:,}] ours")
            ours = run_child(
                "ours",
                args,
                csv=path,
                compare_threads=(n == compare_at and not args.no_threads_compare),
            )
            k = ours["k"] if ours else 5
            features = ours["features"] if ours else None
            logs = ours["log_features"] if ours else None
            log(f"[{n:,}] baseline (k={k})")
            base = run_child("baseline", args, csv=path, k=k, features=features)
            ref = None
            if not args.no_quality:
                log(f"[{n:,}] reference n_init=10")
                ref = run_child(
                    "reference", args, csv=path, k=k, features=features, log_features=logs
                )
            path.unlink()
            text, metrics = size_report(n, ours, base, ref)
            if ours:
                timings = {
                    name: st["seconds"]
                    for name, st in ours["stages"].items()
                    if st["status"] == "ok" and name not in NESTED
                }
                metrics["worst_stage"] = max(timings.items(), key=lambda t: t[1], default=None)
                export = [timings.get(name) for name in EXPORT_STAGES]
                metrics["export_interaction"] = None if None in export else sum(export)
                metrics["upload_interaction"] = sum(
                    v for name, v in timings.items() if name not in EXPORT_STAGES
                )
            print(f"\nCSV: {size / 2**20:.1f} MB from {source}\n" + text, flush=True)
            if ours and ours.get("threads"):
                print("\n" + threads_report(ours["threads"], n), flush=True)
            per_size[n] = metrics
            results["sizes"][n] = {
                "ours": ours,
                "baseline": base,
                "reference": ref,
                "metrics": metrics,
                "csv_mb": size / 2**20,
                "source": source,
            }
    datasets_same = None
    if not args.no_datasets and Path(args.datasets).is_dir():
        log("[datasets]")
        ds = run_child("datasets", args, datasets=args.datasets)
        if ds:
            text, datasets_same = datasets_report(ds)
            print("\n" + text, flush=True)
            results["datasets"] = ds
    if args.browser and compare_at:
        log(f"[browser] benchmarks/browser.py --rows {compare_at}")
        script = Path(__file__).with_name("browser.py")
        cmd = [sys.executable, str(script), "--rows", str(compare_at)]
        child = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
        try:  # browser.py stops itself at 600 s; SIGTERM makes it stop its server and browser
            out, _ = child.communicate(timeout=700)
        except subprocess.TimeoutExpired:
            child.terminate()
            out, _ = child.communicate(timeout=60)
        results["browser"] = out
        print("\n" + out.rstrip(), flush=True)
    print("\n" + targets_report(per_size, datasets_same, sizes), flush=True)
    print(f"\nwall time {time.perf_counter() - started:.0f} s", flush=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    out = Path(args.json) if args.json else OUT_DIR / f"pipeline-{stamp}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1, default=str))
    print(f"JSON: {out}", flush=True)


if __name__ == "__main__":
    main()
