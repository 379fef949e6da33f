"""Evaluation: question files (``questions``), judging an answer against its evidence
(``judge``), answering a file with a journal that survives interruptions (``batch``) and the
public benchmarks (``benchmarks``)."""
