/// C ABI over DatasetLoader; see include/sisr_loader.h.
enum SISRLoaderCModule {}
