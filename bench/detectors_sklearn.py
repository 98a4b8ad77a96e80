"""scikit-learn peers for bench/detectors.mjs: same matrix (JSON file from .bench/), fit on all rows
without labels, predict all, P/R/F1 against the labels. Prints a JSON list to stdout."""
import json
import sys
import time

import numpy as np
from sklearn.ensemble import IsolationForest
from sklearn.metrics import precision_recall_fscore_support
from sklearn.neighbors import LocalOutlierFactor


def main(path):
    obj = json.load(open(path))
    X = np.asarray(obj["data"], dtype=float).reshape(obj["rows"], obj["cols"])
    y = np.asarray(obj["y"], dtype=int)
    peers = [
        ("sklearn IsolationForest(contamination=0.03, n_estimators=200)",
         lambda: IsolationForest(n_estimators=200, contamination=0.03, random_state=42).fit(X).predict(X)),
        ("sklearn IsolationForest(contamination='auto')",
         lambda: IsolationForest(random_state=42).fit(X).predict(X)),
        ("sklearn LocalOutlierFactor(novelty=False).fit_predict",
         lambda: LocalOutlierFactor().fit_predict(X)),
    ]
    out = []
    for name, run in peers:
        t = time.perf_counter()
        pred = (run() == -1).astype(int)
        ms = (time.perf_counter() - t) * 1000
        p, r, f, _ = precision_recall_fscore_support(y, pred, average="binary", zero_division=0)
        out.append({"detector": name, "P": p, "R": r, "F1": f, "flagged": int(pred.sum()), "ms": ms})
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1])
