/// DatasetBuilder: plan -> LR (modcrop + MATLAB bicubic) -> SR -> PNG -> shards + manifest + CHECKSUMS.
public enum DatasetBuilderModule {}
