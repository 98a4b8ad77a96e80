"""Python peers for bench/detect.mjs. Prints one JSON object on the last stdout line.

  detect_peer.py pipeline LOG LABELS [--contamination 0.03] [--trees 200]
      The reference pipeline: Drain3 (default TemplateMiner config: sim_th 0.4, depth 4, no
      masking) parses each HDFS line's content, lines are grouped by every block id they carry,
      a block x cluster count matrix is built, scikit-learn IsolationForest is fitted on all
      blocks without labels and predicts all of them; P/R/F1 against LABELS. Timings per stage.

  detect_peer.py matrix MATRIX.f64 META.json
      scikit-learn IsolationForest (contamination 0.03, 200 trees) and LocalOutlierFactor
      (defaults) on a matrix written by Flare (row-major float64, rows/cols/labels in META).
"""
import json
import logging
import re
import sys
import time
import warnings
from collections import Counter, defaultdict

import numpy as np

BLOCK = re.compile(r"blk_-?\d+")


def blas_info():
    try:
        from threadpoolctl import threadpool_info
        return [
            {k: p.get(k) for k in ("internal_api", "version", "architecture", "num_threads", "filepath")}
            for p in threadpool_info()
        ]
    except Exception as e:  # threadpoolctl ships with scikit-learn; report rather than fail
        return [{"error": str(e)}]


def scores(y, pred):
    from sklearn.metrics import precision_recall_fscore_support
    p, r, f, _ = precision_recall_fscore_support(y, pred, average="binary", zero_division=0)
    return {"P": float(p), "R": float(r), "F1": float(f), "flagged": int(pred.sum())}


def read_labels(path):
    labels = {}
    with open(path) as fh:
        next(fh)
        for line in fh:
            if line.strip():
                bid, lab = line.rstrip("\n").split(",")[:2]
                labels[bid] = 1 if lab.strip().lower() == "anomaly" else 0
    return labels


def pipeline(log, labels_path, contamination=0.03, trees=200):
    t_start = time.perf_counter()
    from drain3 import TemplateMiner
    from sklearn.ensemble import IsolationForest
    t_import = time.perf_counter()

    miner = TemplateMiner()  # default config, no persistence
    sessions = defaultdict(Counter)
    lines = 0
    with open(log, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            line = line.rstrip("\r\n")
            if not line:
                continue
            lines += 1
            # HDFS_v1: DATE TIME PID LEVEL COMPONENT: CONTENT
            parts = line.split(None, 5)
            content = parts[5] if len(parts) == 6 else line
            cid = miner.add_log_message(content)["cluster_id"]
            for bid in set(BLOCK.findall(content)):
                sessions[bid][cid] += 1
    t_parse = time.perf_counter()

    labels = read_labels(labels_path)
    blocks = list(sessions)
    clusters = sorted({c for s in sessions.values() for c in s})
    col = {c: j for j, c in enumerate(clusters)}
    X = np.zeros((len(blocks), len(clusters)))
    for i, b in enumerate(blocks):
        for c, n in sessions[b].items():
            X[i, col[c]] = n
    y = np.array([labels.get(b, 0) for b in blocks])
    t_matrix = time.perf_counter()

    model = IsolationForest(n_estimators=trees, contamination=contamination, random_state=42).fit(X)
    t_fit = time.perf_counter()
    pred = (model.predict(X) == -1).astype(int)
    t_score = time.perf_counter()

    out = {
        "lines": lines,
        "templates": len(miner.drain.clusters),
        "sessions": len(blocks),
        "labelled": sum(1 for b in blocks if b in labels),
        **scores(y, pred),
        "import_ms": (t_import - t_start) * 1000,
        "parse_ms": (t_parse - t_import) * 1000,
        "matrix_ms": (t_matrix - t_parse) * 1000,
        "fit_ms": (t_fit - t_matrix) * 1000,
        "score_ms": (t_score - t_fit) * 1000,
        "total_ms": (t_score - t_start) * 1000,
        "lines_per_s": lines / (t_parse - t_import),
        "blas": blas_info(),
    }
    return out


def matrix(bin_path, meta_path):
    from sklearn.covariance import EllipticEnvelope
    from sklearn.ensemble import IsolationForest
    from sklearn.neighbors import LocalOutlierFactor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import OneClassSVM

    meta = json.load(open(meta_path))
    X = np.fromfile(bin_path, dtype="<f8").reshape(meta["rows"], meta["cols"])
    y = np.asarray(meta["labels"], dtype=int)
    # Each peer with its own defaults, as a user of scikit-learn would run it; fit and predict
    # timed separately (LOF without novelty has no separate score step).
    peers = [
        ("sklearn IsolationForest(contamination=0.03, n_estimators=200)", lambda: IsolationForest(n_estimators=200, contamination=0.03, random_state=42)),
        ("sklearn IsolationForest() (contamination='auto')", lambda: IsolationForest(random_state=42)),
        ("sklearn EllipticEnvelope() (contamination=0.1)", lambda: EllipticEnvelope(random_state=42)),
        ("sklearn OneClassSVM() (nu=0.5)", lambda: OneClassSVM()),
        ("sklearn LocalOutlierFactor() (defaults, fit_predict)", None),
        # Flare's LOF and one-class SVM standardise columns first: the same, as scikit-learn's docs advise.
        ("sklearn StandardScaler + OneClassSVM() (nu=0.5)", lambda: make_pipeline(StandardScaler(), OneClassSVM())),
        ("sklearn StandardScaler + OneClassSVM(nu=0.1)", lambda: make_pipeline(StandardScaler(), OneClassSVM(nu=0.1))),
        ("sklearn StandardScaler + LocalOutlierFactor() (fit_predict)", "scaled"),
    ]
    results = []
    for name, make in peers:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            t0 = time.perf_counter()
            try:
                if make is None or make == "scaled":
                    lof = LocalOutlierFactor() if make is None else make_pipeline(StandardScaler(), LocalOutlierFactor())
                    pred = (lof.fit_predict(X) == -1).astype(int)
                    t1 = t2 = time.perf_counter()
                else:
                    model = make().fit(X)
                    t1 = time.perf_counter()
                    pred = (model.predict(X) == -1).astype(int)
                    t2 = time.perf_counter()
            except Exception as err:  # a peer that cannot fit this matrix is reported, not fatal
                results.append({"detector": name, "P": 0.0, "R": 0.0, "F1": 0.0, "flagged": 0, "fit_ms": 0.0, "score_ms": 0.0, "note": f"failed: {err}"[:120]})
                continue
        note = "; ".join(sorted({str(w.message).split(".")[0] for w in caught}))[:120]
        results.append({"detector": name, **scores(y, pred), "fit_ms": (t1 - t0) * 1000, "score_ms": (t2 - t1) * 1000, "note": note})
    return {"rows": meta["rows"], "cols": meta["cols"], "results": results, "blas": blas_info()}


def main(argv):
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    # "config file not found: drain3.ini" is expected: the peer runs Drain3 with its default config.
    logging.getLogger("drain3.template_miner_config").setLevel(logging.ERROR)
    if len(argv) >= 3 and argv[0] == "pipeline":
        opts = dict(zip(argv[3::2], argv[4::2]))
        out = pipeline(argv[1], argv[2], float(opts.get("--contamination", 0.03)), int(opts.get("--trees", 200)))
    elif len(argv) == 3 and argv[0] == "matrix":
        out = matrix(argv[1], argv[2])
    else:
        sys.stderr.write(__doc__)
        return 2
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
