"""The per-interval "fashionable vs unfashionable" classifier, and the pruning of noisy posts.

Posts found by tags are noisy: a hashtag says little about the picture (spam rides on trending tags). So in
each interval a small logistic regression learns positives (label 1) against negatives (label 0) from their
image embeddings; its out-of-fold probabilities (each post scored by a model that never saw it) go to
cleanlab's confident learning (`cleanlab.filter.find_label_issues`), which flags the posts whose picture
contradicts their label; those are pruned and the model is refitted on the rest. The refitted model also
gives the *learned projection* in which POP compares the probe with the kept positives.
"""

from dataclasses import dataclass

import numpy as np

#: Fewer posts than this in either class and the interval gets no classifier (nothing is pruned).
MIN_PER_CLASS = 4
MAX_FOLDS = 5


@dataclass
class FashionClassifier:
    """A fitted logistic regression on standardised embeddings (mean, scale, weights, bias)."""

    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float

    def project(self, vectors) -> np.ndarray:
        """The learned projection: standardised features scaled by their weight, so the directions that
        separate fashionable from unfashionable posts dominate any similarity computed there."""
        return (np.asarray(vectors, np.float64) - self.mean) / self.scale * self.weights


@dataclass
class Pruning:
    """Outcome for one interval: the classifier (None when too few posts) and the rows kept."""

    classifier: FashionClassifier
    keep: np.ndarray  # bool per input row
    out_of_fold: np.ndarray  # P(fashionable) per input row from cross-validation (NaN without classifier)


def _pipeline(strength):
    """Standardise, then an L2 logistic regression (C=`strength`, class-balanced): the model behind both
    the out-of-fold probabilities and the fitted classifier."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(),
                         LogisticRegression(C=strength, class_weight="balanced", solver="liblinear"))


def fit_classifier(vectors, labels, strength=0.1) -> FashionClassifier:
    """The fitted pipeline as a FashionClassifier, whose `project` is the learned projection."""
    pipeline = _pipeline(strength).fit(np.asarray(vectors, np.float64), labels)
    scaler, model = pipeline[0], pipeline[1]
    return FashionClassifier(scaler.mean_, scaler.scale_, model.coef_[0], float(model.intercept_[0]))


def out_of_fold_probability(vectors, labels, seed=0, strength=0.1) -> np.ndarray:
    """P(fashionable) of each row from a classifier fitted on the other folds (stratified k-fold)."""
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    labels = np.asarray(labels)
    folds = StratifiedKFold(min(MAX_FOLDS, int(np.bincount(labels, minlength=2).min())), shuffle=True,
                            random_state=seed)
    return cross_val_predict(_pipeline(strength), np.asarray(vectors, np.float64), labels, cv=folds,
                             method="predict_proba")[:, 1]


def prune_noisy(vectors, labels, seed=0) -> Pruning:
    """Train the interval's classifier with confident-learning pruning (see the module docstring)."""
    from cleanlab.filter import find_label_issues

    vectors, labels = np.asarray(vectors, np.float64), np.asarray(labels, int)
    counts = np.bincount(labels, minlength=2)
    if counts.min() < MIN_PER_CLASS:
        return Pruning(None, np.ones(len(labels), bool), np.full(len(labels), np.nan))
    probability = out_of_fold_probability(vectors, labels, seed)
    issues = find_label_issues(labels, np.column_stack([1 - probability, probability]), n_jobs=1)
    keep = ~issues
    if np.bincount(labels[keep], minlength=2).min() < 2:
        keep = np.ones(len(labels), bool)  # pruning would leave a class empty: keep everything
    return Pruning(fit_classifier(vectors[keep], labels[keep]), keep, probability)
