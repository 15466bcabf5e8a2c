import DatasetLoader
import Foundation
import SISRCore

// The C ABI of include/sisr_loader.h. Keep both files in step and bump SISR_LOADER_ABI_VERSION
// whenever a signature or a meaning changes.

@_cdecl("sisr_loader_abi_version")
public func sisr_loader_abi_version() -> UInt32 { 3 }

@_cdecl("sisr_loader_last_error")
public func sisr_loader_last_error(_ loader: OpaquePointer?) -> UnsafePointer<CChar>? {
    if let h = handle(loader) { return h.lastError.map { UnsafePointer($0.pointer) } }
    openErrorLock.lock()
    defer { openErrorLock.unlock() }
    return openError.map { UnsafePointer($0.pointer) }
}

@_cdecl("sisr_loader_open")
public func sisr_loader_open(
    _ release: UnsafePointer<CChar>?, _ optionsJSON: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<OpaquePointer?>?
) -> Int32 {
    func fail(_ error: Error) -> Int32 {
        openErrorLock.lock()
        openError = CString("\(error)")
        openErrorLock.unlock()
        return Status.of(error)
    }
    guard let release, let out else { return fail(LoaderError.argument("sisr_loader_open: release and out must not be NULL")) }
    do {
        let json = optionsJSON.map { String(cString: $0) } ?? "{}"
        let c = try COptions.parse(json)
        let loader = try BatchLoader(
            release: URL(fileURLWithPath: String(cString: release)), protocol: c.protocol,
            protocolDirectories: (c.protocol_dirs ?? []).map { URL(fileURLWithPath: $0) }, options: c.loaderOptions)
        out.pointee = OpaquePointer(Unmanaged.passRetained(LoaderHandle(loader: loader)).toOpaque())
        return Status.ok
    } catch {
        return fail(error)
    }
}

@_cdecl("sisr_loader_close")
public func sisr_loader_close(_ loader: OpaquePointer?) {
    guard let loader else { return }
    let h = Unmanaged<LoaderHandle>.fromOpaque(UnsafeRawPointer(loader))
    h.takeUnretainedValue().stream?.close()
    h.release()
}

@_cdecl("sisr_loader_info")
public func sisr_loader_info(_ loader: OpaquePointer?, _ out: UnsafeMutablePointer<UnsafePointer<CChar>?>?) -> Int32 {
    guard let h = handle(loader), let out else { return Status.argument }
    return guarded(h) {
        let l = h.loader, o = l.options
        func int(_ i: Int) -> JSONValue { .int(Int64(i)) }
        var info: JSONValue = .object([
            "abi": .int(3), "streams": .bool(l.streams), "classes": .array(l.classes.map { .string($0) }),
            "samples": int(l.sampleCount), "batches_per_epoch": int(try l.plan().batchCount),
            "split": .string(o.split), "manifest_sha256": .string(l.source.manifestSHA256), "patch": int(o.patch),
            "layout": .string(o.layout.rawValue), "batch_size": int(o.batchSize), "rank": int(o.rank), "world": int(o.world),
            "shuffle": .bool(o.shuffles), "crop": .string(o.cropMode.rawValue),
        ])
        if let p = l.source.perturbation, case var .object(fields) = info {  // this split's images are perturbed
            fields["perturbation"] = .string(p.summary)
            info = .object(fields)
        }
        h.info = CString(CanonicalJSON.string(info))
        out.pointee = UnsafePointer(h.info!.pointer)
        return Status.ok
    }
}

@_cdecl("sisr_loader_start_epoch")
public func sisr_loader_start_epoch(_ loader: OpaquePointer?, _ epoch: Int64, _ start: Int64, _ stride: Int64, _ offset: Int64) -> Int32 {
    guard let h = handle(loader) else { return Status.argument }
    return guarded(h) {
        h.stream?.close()
        h.stream = nil
        h.stream = try h.loader.batches(epoch: Int(epoch), start: Int(start), stride: Int(stride), offset: Int(offset))
        return Status.ok
    }
}

@_cdecl("sisr_loader_next")
public func sisr_loader_next(_ loader: OpaquePointer?, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    guard let h = handle(loader), let out else { return Status.argument }
    return guarded(h) {
        guard let stream = h.stream else { throw LoaderError.argument("sisr_loader_next: call sisr_loader_start_epoch first") }
        guard let batch = try stream.next() else { return Status.end }
        out.pointee = OpaquePointer(Unmanaged.passRetained(BatchHandle(batch: batch)).toOpaque())
        return Status.ok
    }
}

@_cdecl("sisr_loader_epoch_keys")
public func sisr_loader_epoch_keys(
    _ loader: OpaquePointer?, _ epoch: Int64, _ start: Int64, _ out: UnsafeMutablePointer<UnsafePointer<CChar>?>?
) -> Int32 {
    guard let h = handle(loader), let out else { return Status.argument }
    return guarded(h) {
        let keys = try h.loader.keys(epoch: Int(epoch), start: Int(start))
        h.scratch = CString(String(decoding: try CanonicalJSON.encode(keys), as: UTF8.self))
        out.pointee = UnsafePointer(h.scratch!.pointer)
        return Status.ok
    }
}

@_cdecl("sisr_loader_sample_png")
public func sisr_loader_sample_png(
    _ loader: OpaquePointer?, _ key: UnsafePointer<CChar>?, _ bytes: UnsafeMutablePointer<UnsafePointer<UInt8>?>?,
    _ size: UnsafeMutablePointer<Int>?
) -> Int32 {
    guard let h = handle(loader), let key, let bytes, let size else { return Status.argument }
    return guarded(h) {
        let png = try h.loader.pngBytes(key: String(cString: key))
        h.png.deallocate()
        h.png = .allocate(capacity: max(png.count, 1))
        _ = h.png.initialize(from: png)
        bytes.pointee = UnsafePointer(h.png.baseAddress)
        size.pointee = png.count
        return Status.ok
    }
}

@_cdecl("sisr_batch_size")
public func sisr_batch_size(_ batch: OpaquePointer?) -> Int64 { Int64(batchHandle(batch)?.batch.count ?? 0) }

@_cdecl("sisr_batch_index")
public func sisr_batch_index(_ batch: OpaquePointer?) -> Int64 { Int64(batchHandle(batch)?.batch.index ?? -1) }

@_cdecl("sisr_batch_counter")
public func sisr_batch_counter(_ batch: OpaquePointer?) -> Int64 { Int64(batchHandle(batch)?.batch.counter ?? -1) }

@_cdecl("sisr_batch_pixels")
public func sisr_batch_pixels(_ batch: OpaquePointer?, _ nbytes: UnsafeMutablePointer<Int>?) -> UnsafeRawPointer? {
    guard let b = batchHandle(batch)?.batch else { return nil }
    nbytes?.pointee = b.count * b.bytesPerSample
    return UnsafeRawPointer(b.storage)
}

@_cdecl("sisr_batch_pixels_fd")
public func sisr_batch_pixels_fd(_ batch: OpaquePointer?) -> Int32 { batchHandle(batch)?.batch.sharedMemoryFD ?? -1 }

@_cdecl("sisr_batch_labels")
public func sisr_batch_labels(_ batch: OpaquePointer?) -> UnsafePointer<Int32>? {
    guard let b = batchHandle(batch) else { return nil }
    return UnsafePointer(b.labels.baseAddress)
}

@_cdecl("sisr_batch_key")
public func sisr_batch_key(_ batch: OpaquePointer?, _ i: Int64) -> UnsafePointer<CChar>? {
    guard let b = batchHandle(batch), i >= 0, i < b.keys.count else { return nil }
    return UnsafePointer(b.keys[Int(i)].pointer)
}

@_cdecl("sisr_batch_keys")
public func sisr_batch_keys(_ batch: OpaquePointer?) -> UnsafePointer<CChar>? {
    guard let b = batchHandle(batch) else { return nil }
    return UnsafePointer(b.joinedKeys.pointer)
}

@_cdecl("sisr_batch_free")
public func sisr_batch_free(_ batch: OpaquePointer?) {
    guard let batch else { return }
    Unmanaged<BatchHandle>.fromOpaque(UnsafeRawPointer(batch)).release()
}
