/// Baselines: acutance-kNN, PRNU, spectral classifier, evaluation of predictions.
public enum BaselinesModule {}
