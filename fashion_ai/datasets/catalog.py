"""The field's public fashion datasets at a glance: what each holds, what it is for, and where the figures
come from (the dataset's paper, official README or published files). The kit reads each one's annotation
format."""

import pandas as pd

DATASETS = [
    {
        "dataset": "Fashion-MNIST",
        "holds": "70,000 28x28 greyscale product images (60,000 train + 10,000 test), 10 classes, "
                 "7,000 per class",
        "annotations": "one class label per image (IDX files)",
        "used for": "classification benchmark; a drop-in replacement for MNIST",
        "kit reader": "fashion_ai.datasets.fashion_mnist",
        "source": "Xiao, Rasul, Vollgraf 2017 (arXiv:1708.07747), zalandoresearch/fashion-mnist README",
        "licence": "MIT",
    },
    {
        "dataset": "Clothing dataset",
        "holds": "5,398 crowd-sourced photos of single garments, 20 classes; its ten most common classes have "
                 "an official split of 3,046 train, 338 validation and 372 test photos",
        "annotations": "one CSV row per photo (image, sender_id, label, kids); the split as folders",
        "used for": "garment classification and clustering on real photos",
        "kit reader": "fashion_ai.datasets.clothing",
        "source": "Grigorev and contributors; counted in the images.csv of alexeygrigorev/clothing-dataset and "
                  "the folders of alexeygrigorev/clothing-dataset-small",
        "licence": "CC0 1.0 (public domain)",
    },
    {
        "dataset": "DeepFashion",
        "holds": "over 800,000 images in four benchmarks; Consumer-to-shop Clothes Retrieval: 239,557 images, "
                 "195,540 consumer/shop pairs; In-shop Clothes Retrieval: 52,712 images; Category and "
                 "Attribute Prediction: 289,222 images, 50 categories, 1,000 attributes",
        "annotations": "text list files: item ids, boxes, landmarks, attributes, train/val/test partition",
        "used for": "consumer-to-shop and in-shop retrieval, attribute prediction, landmarks",
        "kit reader": "fashion_ai.datasets.deepfashion",
        "source": "Liu et al., CVPR 2016; the benchmarks' README files",
        "licence": "non-commercial research and education only",
    },
    {
        "dataset": "DeepFashion2",
        "holds": "491K images (391K train, 34K validation, 67K test), 13 categories, 801K items, "
                 "873K commercial-consumer pairs",
        "annotations": "one JSON per image: source, pair_id, items with category, box, style, landmarks, "
                       "mask polygons, scale/occlusion/zoom-in/viewpoint",
        "used for": "detection, landmarks, segmentation, consumer-to-shop retrieval",
        "kit reader": "fashion_ai.datasets.deepfashion2",
        "source": "Ge et al., CVPR 2019; switchablenorms/DeepFashion2 README",
        "licence": "non-commercial research only",
    },
    {
        "dataset": "ModaNet",
        "holds": "55,176 street images, 13 categories, polygons and boxes for every garment",
        "annotations": "COCO instances JSON (images, annotations with bbox and segmentation, categories)",
        "used for": "clothing detection and segmentation in street photos",
        "kit reader": "fashion_ai.datasets.coco",
        "source": "Zheng et al., ACM Multimedia 2018; eBay/modanet README",
        "licence": "annotations CC BY-NC 4.0",
    },
    {
        "dataset": "GeoStyle",
        "holds": "7.7M Instagram and Flickr photos of people from 44 cities, 2013-2016",
        "annotations": "per-photo metadata (city, date) and predicted clothing attributes",
        "used for": "finding and forecasting style trends and events per city",
        "kit reader": "(dated social corpora: fashion_ai.datasets.social_feed)",
        "source": "Mall et al., ICCV 2019; geostyle.cs.cornell.edu",
        "licence": "research use; the photos belong to their owners",
    },
]


def overview() -> pd.DataFrame:
    """The datasets as a table, one row each."""
    return pd.DataFrame(DATASETS).set_index("dataset")
