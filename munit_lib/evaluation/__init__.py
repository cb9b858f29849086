"""Measuring translation, and the codes MUNIT learns: the one home of every measure.

On the shapes domains' ground truth:

* ``shapes``: the readers (shape masks, colour, texture read back from pixels) and the measures on
  images built on them (content IoU, styles reached, example-guided fidelity),
* ``shapes_score``: a whole model scored with them (``score_shapes_model``, ``factor_probes``),
* ``probes``: the linear probes (a factor read off features; two samples told apart),
* ``propositions``: the paper's four propositions measured (inversion, latent and joint matching,
  the style-augmented cycle);

as the MUNIT paper measures translation:

* ``diversity``: the LPIPS protocol (100 inputs x 19 pairs of random-style outputs) with any distance,
* ``inception_scores``: IS and CIS from class probabilities,
* ``frechet``: the Fréchet distance between feature sets (FID's formula, any network),
* ``classifier``: the shapes painting classifier (colour, texture, kind) that supplies those
  probabilities and features,
* ``quality``: a ground-truth quality proxy standing in for human preference,
* ``evaluate``: every metric for one model, as one dict (``python -m munit_lib evaluate``),
* ``table1``: the paper's Table 1 findings checked on those rows;

and on OpenMoji, whose test emoji come with their true colouring: ``openmoji`` (with its group
classifier, ``openmoji_classifier``).
"""
from .classifier import (HEADS, ShapesClassifier, classifier_feature_distance, classifier_path,
                         evaluate_accuracy, load_shapes_classifier, save_shapes_classifier, train_shapes_classifier)
from .evaluate import (METRIC_COLUMNS, SketchToPainting, as_translator, evaluate_real_paintings,
                       evaluate_sketch_to_painting, markdown_table)
from .diversity import (PAPER_INPUTS, PAPER_PAIRS, FeatureDistance, draw_style_pairs, lpips_distance,
                        pixel_l1_distance, protocol_diversity)
from .frechet import feature_statistics, frechet_distance, frechet_distance_from_statistics, sqrtm_psd
from .inception_scores import conditional_inception_score, inception_score
from .quality import quality_proxy
from .table1 import TABLE1_ROWS, markdown_findings, table1_findings

__all__ = ["HEADS", "ShapesClassifier", "classifier_feature_distance", "classifier_path", "evaluate_accuracy",
           "load_shapes_classifier", "save_shapes_classifier", "train_shapes_classifier",
           "PAPER_INPUTS", "PAPER_PAIRS", "FeatureDistance", "draw_style_pairs", "lpips_distance",
           "pixel_l1_distance", "protocol_diversity", "feature_statistics", "frechet_distance",
           "frechet_distance_from_statistics", "sqrtm_psd", "conditional_inception_score", "inception_score",
           "quality_proxy", "METRIC_COLUMNS", "SketchToPainting", "as_translator", "evaluate_real_paintings",
           "evaluate_sketch_to_painting", "markdown_table", "TABLE1_ROWS", "table1_findings",
           "markdown_findings"]
