"""SSD clothing detection: default boxes, the models, augmentation, training and COCO-style evaluation."""
