"""Forecasting a new product's first weeks of sales from what is known before its release.

`features` turns a product table (+ Google Trends, + POP signals) into model inputs, `models` holds the
forecasters (attribute kNN, ridge, gradient boosting, a small torch MLP), `evaluation` the protocol: fit
on the train table only, validate on its latest releases, score WAPE/MAE on the test table (each model
and their ensemble), and a bootstrap interval for the with-vs-without-POP difference. `tasks` prepares
VISUELLE and the sample feed, `plots` draws the notebook's figures.
"""
