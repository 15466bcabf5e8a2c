/*
 * sisr_loader.h - C ABI of the SISR Fingerprints dataset loader (libSISRLoaderC).
 *
 * ABI version 3 (2 added sisr_batch_keys; cache_bytes 0 became the default; 3 added shared_memory and
 * sisr_batch_pixels_fd). Every call returns a status (0 = success, 1 = end of epoch, negative = error).
 * After an error, sisr_loader_last_error(handle) (or NULL for sisr_loader_open) gives a message that
 * names the file, shard or sample. Handles are opaque; a loader handle must not be used from two
 * threads at once (different handles may). Strings and buffers returned by the library stay valid
 * until the object they came from is freed.
 */
#ifndef SISR_LOADER_H
#define SISR_LOADER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SISR_LOADER_ABI_VERSION 3

typedef struct sisr_loader sisr_loader;
typedef struct sisr_batch sisr_batch;

enum {
    SISR_OK = 0,
    SISR_END = 1,             /* no more batches in this epoch */
    SISR_ERR_ARGUMENT = -1,   /* bad option, protocol or call order */
    SISR_ERR_IO = -2,         /* a file cannot be read */
    SISR_ERR_CORRUPT = -3,    /* a shard, sample or release file is invalid or fails verification */
    SISR_ERR_INTERNAL = -4
};

/* SISR_LOADER_ABI_VERSION of the library; compare with the header's. */
uint32_t sisr_loader_abi_version(void);

/* Message of the last failed call on this handle (or, with NULL, of the last failed open). */
const char *sisr_loader_last_error(const sisr_loader *loader);

/*
 * Opens a release directory. options_json is a JSON object (may be NULL or "{}"), keys:
 *   split ("train"), protocol (name or path, null = every sample with label "model"), seed (0),
 *   shuffle (null = train only), window (8), batch_size (32), rank (0), world (1),
 *   tail ("wrap" | "drop" | "partial"), patch (224), crop (null | "random" | "center"), hflip (false),
 *   layout ("float32-nchw" | "uint8-nhwc"), normalize (false), threads (0 = all cores), prefetch (4),
 *   cache_bytes (0 = read each sample from its own zstd frame, bounded memory; N > 0 = keep up to N
 *   bytes of whole decompressed shards, for small releases; format-1 releases always use a cache,
 *   4 GiB when 0), verify (true: SHA-256 of each sample's frame in format 2 and of each shard with
 *   a cache; format-3 crops always check the XXH64 of every frame they read and the sample's
 *   layout), verify_sha256 (false: true also hashes all of a format-3 sample's frames against
 *   frame_sha256), protocol_dirs ([] extra folders to search for protocols),
 *   shared_memory (false: true puts each batch's pixels in an unlinked POSIX shared-memory object,
 *   see sisr_batch_pixels_fd).
 * Unknown keys, values of the wrong type and values outside a list (split, tail, crop, layout), a
 * negative threads, a patch larger than the smallest selected image and a split that selects
 * nothing fail with SISR_ERR_ARGUMENT and a message naming the valid keys or values. A protocol name
 * is looked up in protocol_dirs, $SISR_PROTOCOLS, manifests/protocols of the current folder and its
 * parents, then manifests/protocols above this library's file. A protocol's "perturbation" (JPEG, blur,
 * noise, crop-and-resize, relighting; docs/FORMAT.md) is applied to the images of the splits it names
 * before patches are cut; sisr_loader_sample_png still returns the stored PNG.
 */
int32_t sisr_loader_open(const char *release_dir, const char *options_json, sisr_loader **out);
void sisr_loader_close(sisr_loader *loader);

/* JSON: {"abi":3,"streams":true|false,"classes":[...],"samples":N,"batches_per_epoch":B,"split":...,"manifest_sha256":...,
 *        "patch":P,"layout":...,"batch_size":...,"rank":...,"world":...}, plus "perturbation":"<summary>" when
 *        the protocol perturbs this split's images (robustness protocols). Valid until close. */
int32_t sisr_loader_info(sisr_loader *loader, const char **json_out);

/* Starts (or restarts) an epoch: this rank's batches offset, offset+stride, ... after start_sample
 * consumed positions. stride 1, offset 0 = every batch. */
int32_t sisr_loader_start_epoch(sisr_loader *loader, int64_t epoch, int64_t start_sample, int64_t stride, int64_t offset);

/* Next batch of the current epoch into *out (free it with sisr_batch_free); SISR_END at the end. */
int32_t sisr_loader_next(sisr_loader *loader, sisr_batch **out);

/* JSON list of this rank's batches of sample keys for an epoch, without decoding. Valid until the next
 * call on the handle. */
int32_t sisr_loader_epoch_keys(sisr_loader *loader, int64_t epoch, int64_t start_sample, const char **json_out);

/* The stored PNG bytes of one selected sample (valid until the next call on the handle). */
int32_t sisr_loader_sample_png(sisr_loader *loader, const char *key, const uint8_t **bytes, size_t *size);

int64_t sisr_batch_size(const sisr_batch *batch);          /* samples in the batch */
int64_t sisr_batch_index(const sisr_batch *batch);         /* this rank's batch index in the epoch */
int64_t sisr_batch_counter(const sisr_batch *batch);       /* resume counter after this batch */
/* Pixels: float32 [N,3,P,P] or uint8 [N,P,P,3] as opened; *nbytes gets the byte count. */
const void *sisr_batch_pixels(const sisr_batch *batch, size_t *nbytes);
/* With shared_memory: a file descriptor of the shared-memory object holding the pixels (mmap it, or
 * dup it to keep the pixels after sisr_batch_free, which closes it); -1 otherwise. The library
 * reuses the object for a later batch only once this descriptor, its duplicates (in any process)
 * and their mappings are all gone (Linux inotify; elsewhere, or after a fork, never). */
int32_t sisr_batch_pixels_fd(const sisr_batch *batch);
const int32_t *sisr_batch_labels(const sisr_batch *batch); /* N class ids */
const char *sisr_batch_key(const sisr_batch *batch, int64_t i);
/* All N keys in batch order, each followed by "\n" (one call per batch instead of N). */
const char *sisr_batch_keys(const sisr_batch *batch);
void sisr_batch_free(sisr_batch *batch);

#ifdef __cplusplus
}
#endif
#endif /* SISR_LOADER_H */
