"""scikit-learn peers for bench/detectors.mjs: same matrix (JSON file from .bench/), fit on all rows
without labels, predict all, P/R/F1 against the labels. Prints a JSON list to stdout."""
import json
import sys
import time

import numpy as np
from sklearn.covariance import EllipticEnvelope
from sklearn.ensemble import IsolationForest
from sklearn.metrics import precision_recall_fscore_support
from sklearn.neighbors import LocalOutlierFactor
from sklearn.svm import OneClassSVM


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
        ("sklearn EllipticEnvelope() (contamination=0.1)",
         lambda: EllipticEnvelope(random_state=42).fit(X).predict(X)),
        ("sklearn OneClassSVM() (nu=0.5)",
         lambda: OneClassSVM().fit(X).predict(X)),
    ]
    out = []
    for name, run in peers:
        t = time.perf_counter()
        try:
            pred = (run() == -1).astype(int)
        except Exception as err:  # e.g. a singular covariance: reported as a failed peer
            out.append({"detector": f"{name}: failed ({str(err)[:60]})", "P": 0, "R": 0, "F1": 0, "flagged": 0, "ms": 0})
            continue
        ms = (time.perf_counter() - t) * 1000
        p, r, f, _ = precision_recall_fscore_support(y, pred, average="binary", zero_division=0)
        out.append({"detector": name, "P": p, "R": r, "F1": f, "flagged": int(pred.sum()), "ms": ms})
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1])
