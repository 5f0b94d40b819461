"""Forecasters of a new product's weekly sales curve (attribute kNN, ridge, gradient boosting, a small MLP),
each usable with or without POP (the kit's ensemble, the average of some of their forecasts, is scored in
fashion_ai.forecasting.evaluation).

Every forecaster has `fit(products, sales)` (a product table and the (n, weeks) sales of those same
products) and `predict(products)` (a table without sales). They only see what `fit` was given, so
fitting on the train table alone keeps the test sales out by construction.
"""

import numpy as np
import pandas as pd

from . import features as F


class Forecaster:
    """Common part: a name, the POP switch and the context (trends, POP) features are drawn from."""

    kind = "forecaster"

    def __init__(self, context: F.Context, use_pop=False):
        if use_pop and context.pop is None:
            raise ValueError(f"{self.kind}: use_pop needs POP signals in the context")
        self.context = context
        self.use_pop = use_pop

    @property
    def name(self) -> str:
        return f"{self.kind}{' + POP' if self.use_pop else ''}"

    def fit(self, products: pd.DataFrame, sales: np.ndarray):
        raise NotImplementedError

    def predict(self, products: pd.DataFrame) -> np.ndarray:
        raise NotImplementedError


class GroupLevel(Forecaster):
    """Another forecaster fitted on sales relative to the mean of the product's group (the context's
    `level_column`): VISUELLE's 2019 seasons sell about a third less than its 2017-18 ones, so the inner
    model learns relative curves from every season and each season keeps its own level. A group unseen
    at fit time gets the overall mean."""

    def __init__(self, inner: Forecaster):
        super().__init__(inner.context, inner.use_pop)
        self.inner, self.kind = inner, inner.kind

    def _levels(self, products) -> np.ndarray:
        return products[self.context.level_column].map(self.levels_).fillna(self.mean_).to_numpy(float)

    def fit(self, products, sales):
        totals = pd.Series(np.asarray(sales, float).sum(1), index=products.index)
        self.levels_ = totals.groupby(products[self.context.level_column]).mean()
        self.mean_ = float(totals.mean())
        self.inner.fit(products, np.asarray(sales, float) / self._levels(products)[:, None])
        return self

    def predict(self, products):
        return self.inner.predict(products) * self._levels(products)[:, None]


class AttributeKNN(Forecaster):
    """The classic baseline: average the curves of the k past products sharing most attributes.

    Similarity = number of equal attributes, minus `pop_weight` x the distance between the two products'
    standardised POP summaries when POP is used; ties are broken at random (seeded). On a small table k
    shrinks to a fifth of the fitting products, so the neighbours stay a selection."""

    kind = "attribute kNN"

    def __init__(self, context, use_pop=False, k=50, pop_weight=0.1, seed=0):
        super().__init__(context, use_pop)
        self.k, self.pop_weight, self.seed = k, pop_weight, seed

    def fit(self, products, sales):
        self.attributes_ = products[list(self.context.attributes)].to_numpy()
        self.sales_ = np.asarray(sales, float)
        self.k_ = max(1, min(self.k, len(products) // 5))
        if self.use_pop:
            summary = self._pop_summary(products)
            self.pop_mean_, self.pop_std_ = summary.mean(0), summary.std(0) + 1e-9
            self.pop_ = (summary - self.pop_mean_) / self.pop_std_
        return self

    def _pop_summary(self, products) -> np.ndarray:
        return pd.DataFrame(F.pop_features(products, self.context))[["pop_level", "pop_recent", "pop_slope"]].to_numpy()

    def similarity(self, products) -> np.ndarray:
        """(n_query, n_fitted) similarity of each query product to each fitted one."""
        query = products[list(self.context.attributes)].to_numpy()
        score = (query[:, None, :] == self.attributes_[None, :, :]).sum(-1).astype(float)
        if self.use_pop:
            pop = (self._pop_summary(products) - self.pop_mean_) / self.pop_std_
            score -= self.pop_weight * np.sqrt(((pop[:, None, :] - self.pop_[None, :, :]) ** 2).sum(-1))
        return score

    def predict(self, products):
        score = self.similarity(products)
        score += 1e-6 * np.random.default_rng(self.seed).random(score.shape)  # random tie-break
        nearest = np.argsort(-score, axis=1)[:, :self.k_]
        return self.sales_[nearest].mean(1)


class BoostedTotal(Forecaster):
    """Gradient boosting (absolute-error loss, native categorical attributes) on the total sales over the
    horizon, spread over the weeks by the average launch curve of the fitting products."""

    kind = "gradient boosting"

    def __init__(self, context, use_pop=False, iterations=300, learning_rate=0.05, seed=0):
        super().__init__(context, use_pop)
        self.iterations, self.learning_rate, self.seed = iterations, learning_rate, seed

    def _inputs(self, products):
        codes = F.attribute_codes(products, self.context, self.vocabulary_)
        return pd.concat([codes, F.numeric_features(products, self.context, self.use_pop)], axis=1)

    def fit(self, products, sales):
        from sklearn.ensemble import HistGradientBoostingRegressor

        sales = np.asarray(sales, float)
        self.vocabulary_ = F.attribute_vocabulary(products, self.context)
        self.model_ = HistGradientBoostingRegressor(
            loss="absolute_error", max_iter=self.iterations, learning_rate=self.learning_rate,
            categorical_features="from_dtype", random_state=self.seed,
        ).fit(self._inputs(products), sales.sum(1))
        self.curve_ = sales.sum(0) / sales.sum()
        return self

    def predict(self, products):
        totals = np.clip(self.model_.predict(self._inputs(products)), 0, None)
        return np.outer(totals, self.curve_)


class StandardInputs:
    """One-hot attributes next to standardised numeric features, the scaling fitted on the fitting table:
    the input of the linear model and the MLP."""

    def __init__(self, context: F.Context, use_pop: bool):
        self.context, self.use_pop = context, use_pop

    def _numeric(self, products) -> np.ndarray:
        return F.numeric_features(products, self.context, self.use_pop).to_numpy(float)

    def fit(self, products):
        self.vocabulary_ = F.attribute_vocabulary(products, self.context)
        numeric = self._numeric(products)
        self.mean_, self.std_ = numeric.mean(0), numeric.std(0) + 1e-9
        return self

    def transform(self, products) -> np.ndarray:
        codes = F.attribute_codes(products, self.context, self.vocabulary_)
        return np.hstack([F.one_hot(codes), (self._numeric(products) - self.mean_) / self.std_])


class RidgeCurve(Forecaster):
    """A ridge regression from the standardised inputs to all weeks at once: fast, stable, and a different
    kind of error from the neighbours and the trees, which is what an ensemble needs."""

    kind = "ridge"

    def __init__(self, context, use_pop=False, alpha=100.0):
        super().__init__(context, use_pop)
        self.alpha = alpha

    def fit(self, products, sales):
        from sklearn.linear_model import Ridge

        self.inputs_ = StandardInputs(self.context, self.use_pop).fit(products)
        self.model_ = Ridge(self.alpha).fit(self.inputs_.transform(products), np.asarray(sales, float))
        return self

    def predict(self, products):
        return np.clip(self.model_.predict(self.inputs_.transform(products)), 0, None)


class SalesMLP(Forecaster):
    """A small two-layer network trained with the absolute error (what WAPE measures) on the whole curve;
    the average of a few seeds, each trained for a fixed number of epochs on the CPU."""

    kind = "MLP"

    def __init__(self, context, use_pop=False, hidden=64, epochs=100, seeds=3, dropout=0.2,
                 weight_decay=1e-4, learning_rate=1e-3, batch_size=512):
        super().__init__(context, use_pop)
        self.hidden, self.epochs, self.seeds, self.dropout = hidden, epochs, seeds, dropout
        self.weight_decay, self.learning_rate, self.batch_size = weight_decay, learning_rate, batch_size

    def _network(self, inputs, outputs):
        import torch

        return torch.nn.Sequential(
            torch.nn.Linear(inputs, self.hidden), torch.nn.ReLU(), torch.nn.Dropout(self.dropout),
            torch.nn.Linear(self.hidden, self.hidden), torch.nn.ReLU(), torch.nn.Linear(self.hidden, outputs),
        )

    def fit(self, products, sales):
        import torch

        self.inputs_ = StandardInputs(self.context, self.use_pop).fit(products)
        inputs = torch.tensor(self.inputs_.transform(products), dtype=torch.float32)
        sales = np.asarray(sales, float)
        self.sales_scale_ = float(sales.mean()) or 1.0
        targets = torch.tensor(sales / self.sales_scale_, dtype=torch.float32)
        self.networks_ = [self._train(inputs, targets, seed) for seed in range(self.seeds)]
        return self

    def _train(self, inputs, targets, seed):
        import torch

        torch.manual_seed(seed)
        network = self._network(inputs.shape[1], targets.shape[1])
        optimiser = torch.optim.AdamW(network.parameters(), self.learning_rate, weight_decay=self.weight_decay)
        order = torch.Generator().manual_seed(seed)
        for _ in range(self.epochs):
            permutation = torch.randperm(len(inputs), generator=order)
            for start in range(0, len(inputs), self.batch_size):
                batch = permutation[start:start + self.batch_size]
                loss = (network(inputs[batch]) - targets[batch]).abs().mean()
                optimiser.zero_grad()
                loss.backward()
                optimiser.step()
        return network.eval()

    def predict(self, products):
        import torch

        inputs = torch.tensor(self.inputs_.transform(products), dtype=torch.float32)
        with torch.no_grad():
            outputs = np.mean([network(inputs).numpy() for network in self.networks_], axis=0)
        return np.clip(outputs * self.sales_scale_, 0, None)

