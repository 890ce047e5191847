"""REFI-QDA exchange with other QDA programs (NVivo, ATLAS.ti, MAXQDA, QualCoder...).

:mod:`writer` writes a codebook (``.qdc``) or a whole project (``.qdpx``);
:mod:`importer` reads them back into a project. :mod:`safety` opens untrusted files,
:mod:`reader` and :mod:`sources` turn a project file into a plan of what to store,
:mod:`offsets` maps other programs' text positions to qualcode offsets, and
:mod:`codebook` maps code trees both ways. The mapping is described in the module
docstrings and in the README's REFI-QDA section.
"""
