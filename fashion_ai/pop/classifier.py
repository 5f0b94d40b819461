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

    def probability(self, vectors) -> np.ndarray:
        """P(fashionable) for each vector."""
        logits = self.project(vectors).sum(1) + self.bias
        return 1.0 / (1.0 + np.exp(-logits))


@dataclass
class Pruning:
    """Outcome for one interval: the classifier (None when too few posts) and the rows kept."""

    classifier: FashionClassifier
    keep: np.ndarray  # bool per input row
    out_of_fold: np.ndarray  # P(fashionable) per input row from cross-validation (NaN without classifier)


def fit_classifier(vectors, labels, strength=0.1) -> FashionClassifier:
    """Standardise, then fit an L2 logistic regression (C=`strength`, class-balanced)."""
    from sklearn.linear_model import LogisticRegression

    vectors = np.asarray(vectors, np.float64)
    mean, scale = vectors.mean(0), vectors.std(0) + 1e-6
    model = LogisticRegression(C=strength, class_weight="balanced", solver="liblinear")
    model.fit((vectors - mean) / scale, labels)
    return FashionClassifier(mean, scale, model.coef_[0], float(model.intercept_[0]))


def out_of_fold_probability(vectors, labels, seed=0, strength=0.1) -> np.ndarray:
    """P(fashionable) of each row from a classifier fitted on the other folds (stratified k-fold)."""
    from sklearn.model_selection import StratifiedKFold

    labels = np.asarray(labels)
    folds = min(MAX_FOLDS, int(np.bincount(labels, minlength=2).min()))
    probability = np.empty(len(labels))
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=seed).split(vectors, labels):
        probability[test] = fit_classifier(vectors[train], labels[train], strength).probability(vectors[test])
    return probability


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
