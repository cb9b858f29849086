"""munit_lib: a faithful, documented re-implementation of MUNIT (Huang et al., ECCV 2018).

Public names (stable for coursework)::

    MUNITConfig            paper defaults; .from_yaml(path), .profile_named("cpu"), .to_yaml()
    Generator(cfg)         .encode(x) -> (content, style), .decode(content, style) -> image
    MultiScaleDiscriminator(cfg)
    MUNIT(cfg)             gen_a, gen_b, dis_a, dis_b
    load_official_generators(path, cfg=None) -> (gen_a, gen_b)
    Translator(gen_a, gen_b)   random / given / example-guided / interpolated styles, sweeps
    pretrained("shapes")       the shipped shapes model, as a Translator (no network)
    StyleExplorer(...)         the ipywidgets style explorer (logic in StyleExplorerState)
"""
from .config import PROFILES, MUNITConfig, profile_from_env
from .networks import (MUNIT, ContentEncoder, Decoder, Generator, MultiScaleDiscriminator, StyleEncoder,
                       count_parameters, init_weights)
from .official import load_official_generators
from .pretrained import PRETRAINED, list_pretrained, pretrained
from .translate import (DIRECTIONS, ImageResizeWarning, Translator, interpolate_styles, random_styles,
                        save_translations, sweep_style)
from .widgets import StyleExplorer, StyleExplorerState

__version__ = "0.1.0"

__all__ = ["MUNITConfig", "PROFILES", "profile_from_env", "Generator", "MultiScaleDiscriminator", "MUNIT",
           "ContentEncoder", "StyleEncoder", "Decoder", "count_parameters", "init_weights",
           "load_official_generators", "Translator", "DIRECTIONS", "ImageResizeWarning", "random_styles",
           "interpolate_styles", "sweep_style", "save_translations", "pretrained", "list_pretrained", "PRETRAINED",
           "StyleExplorer", "StyleExplorerState", "__version__"]
