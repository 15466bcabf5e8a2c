/// DatasetLoader: shards -> split/protocol selection -> shuffle -> crop -> batch.
public enum DatasetLoaderModule {}
