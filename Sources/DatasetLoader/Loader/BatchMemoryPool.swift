import Foundation

/// Pixel memory for batches, reused instead of allocated per batch: an ordinary batch's mapping is
/// reused once its ``Batch`` is freed (in-process, the batch's life is the whole signal: NumPy views
/// keep it alive), which saves the page faults of fresh 19 MB buffers and keeps malloc from holding
/// freed ones (glibc raises its mmap threshold after such frees and then keeps them in its arenas:
/// 180-330 MB resident for the same epoch that needs ~60 MB).
///
/// With ``LoaderOptions/sharedMemory``, regions are POSIX shared-memory objects whose pixels other
/// processes see, reused only once nobody can see them any more, so that a PyTorch DataLoader worker
/// does not allocate, zero, map and free a fresh object per batch.
/// A shared region is mapped here through a descriptor of the pool's own (never handed out). Each batch
/// gets a second, fresh open file of the same object (``lend(_:)``: `open` of
/// `/proc/self/fd/N`), which is the only one that leaves the batch: consumers dup, pass (SCM_RIGHTS)
/// and map that one. The kernel reports, through an inotify watch on the object, when the last
/// descriptor and the last mapping of an open file are gone (IN_CLOSE_WRITE); only then is the
/// region lent no more, and only a region that is neither lent nor in a live ``Batch`` is written
/// again. So a batch some process still holds (a tensor, a view of it, a descriptor in transit)
/// is never overwritten. What cannot be told apart: a process that opens the object itself through
/// `/proc/<pid>/fd` (same user, ptrace rights) and closes it while a batch is lent. Where inotify is
/// unavailable, or after a fork (the events belong to the parent), every batch gets a fresh object.
final class BatchMemoryPool: @unchecked Sendable {
    /// Regions kept for reuse (more are freed when their batch is); bounds the pool's memory at
    /// `limit` x the batch size.
    let limit: Int
    /// Regions are shared-memory objects (else private anonymous memory).
    let shared: Bool
    private let lock = NSLock()
    private var idle = [BatchRegion]()        // not in a live Batch, maybe still lent
    private var watched = [Int32: BatchRegion]()  // watch descriptor -> region (every region alive here)
    private let events: Int32                   // inotify descriptor, -1 without
    private let owner = getpid()
    /// Regions created so far (for tests and the benchmark: reuse keeps this near the batches in flight).
    private(set) var created = 0

    /// Batches a consumer may hold on top of the loader's prefetch without costing fresh objects: a
    /// DataLoader's prefetch_factor (2) per worker, one in transit, the one being used and the last.
    static let consumerSlack = 6

    init(limit: Int, shared: Bool) {
        self.limit = limit
        self.shared = shared
        events = shared ? inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC)) : -1
    }

    deinit {
        if events >= 0 { close(events) }
    }

    /// A region of at least `bytes` for a new batch: an idle one nobody holds, else a fresh one;
    /// nil if the system refuses the memory.
    func take(_ bytes: Int) -> BatchRegion? {
        lock.lock()
        defer { lock.unlock() }
        if !shared, let i = idle.firstIndex(where: { $0.capacity >= bytes }) { return idle.remove(at: i) }
        if events >= 0 && getpid() == owner {
            drainEvents()
            if let i = idle.firstIndex(where: { !$0.lent && $0.capacity >= bytes }) { return idle.remove(at: i) }
        }
        guard let region = BatchRegion(bytes, shared: shared) else { return nil }
        created += 1
        if events >= 0 && getpid() == owner {
            let wd = inotify_add_watch(events, "/proc/self/fd/\(region.fd)", UInt32(IN_CLOSE_WRITE))
            if wd >= 0 { region.watch = wd; watched[wd] = region }
        }
        return region
    }

    /// A descriptor of `region` for its batch to hand out (the batch closes it): a new open file of
    /// the object, after which the region is lent until the kernel reports that open file closed in
    /// every process. A region the pool does not watch is never reused, so it lends a duplicate of
    /// its own descriptor. -1 only if the system has no descriptor left.
    func lend(_ region: BatchRegion) -> Int32 {
        lock.lock()
        defer { lock.unlock() }
        if region.watch >= 0 {
            let fd = open("/proc/self/fd/\(region.fd)", O_RDWR | O_CLOEXEC)
            if fd >= 0 { region.lent = true; return fd }
            forget(region)
        }
        return fcntl(region.fd, F_DUPFD_CLOEXEC, 0)
    }

    /// Called when the batch that used `region` is freed.
    func giveBack(_ region: BatchRegion) {
        lock.lock()
        defer { lock.unlock() }
        guard idle.count < limit, !shared || region.watch >= 0 && getpid() == owner else { return forget(region) }
        idle.append(region)
    }

    private func forget(_ region: BatchRegion) {
        if region.watch >= 0, events >= 0 {
            watched[region.watch] = nil
            inotify_rm_watch(events, region.watch)
            region.watch = -1
        }
    }

    /// Marks regions whose lent open file is closed everywhere (IN_CLOSE_WRITE) as lent no more. On
    /// a queue overflow the events are lost: the lent regions then stay lent (never reused).
    private func drainEvents() {
        let size = MemoryLayout<inotify_event>.size
        var buffer = [UInt8](repeating: 0, count: 64 * (size + 16))
        while true {
            let n = buffer.withUnsafeMutableBytes { read(events, $0.baseAddress, $0.count) }
            guard n > 0 else { return }
            var at = 0
            while at + size <= n {
                let event = buffer.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: at, as: inotify_event.self) }
                if event.mask & UInt32(IN_Q_OVERFLOW) != 0 {
                    for region in watched.values where region.lent { forget(region) }  // never reused
                    idle.removeAll { $0.watch < 0 }
                } else if event.mask & UInt32(IN_CLOSE_WRITE) != 0, let region = watched[event.wd] {
                    region.lent = false
                }
                at += size + Int(event.len)
            }
        }
    }
}

/// One batch's pixel memory mapped read-write in this process: a shared-memory object or private
/// anonymous memory (see ``BatchMemoryPool``).
final class BatchRegion: @unchecked Sendable {
    /// The pool's own descriptor of the shared-memory object (never handed out); -1 for private memory.
    let fd: Int32
    let pointer: UnsafeMutableRawPointer
    let capacity: Int
    /// An open file of this object other than `fd` exists (guarded by the pool's lock).
    var lent = false
    var watch: Int32 = -1

    /// A fresh, unlinked POSIX shared-memory object of `bytes`, its pages allocated up front
    /// (`posix_fallocate`: a full `/dev/shm`, as in a container's default 64 MB, is refused here
    /// instead of killing the process with SIGBUS on a write) and mapped in one call (cheaper than
    /// faulting them in one by one while decoding); nil if the system refuses (the batch then uses
    /// ordinary memory, which a consumer in another process copies). Private memory is mapped
    /// the same way, without a file.
    init?(_ bytes: Int, shared: Bool) {
        guard shared else {
            guard let p = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0),
                  p != MAP_FAILED else { return nil }
            fd = -1
            pointer = p
            capacity = bytes
            return
        }
        // The name lives only until shm_unlink below; O_EXCL refuses a clash.
        let name = "/sisr-batch-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        let fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return nil }
        shm_unlink(name)
        guard posix_fallocate(fd, 0, off_t(bytes)) == 0,
              let p = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0), p != MAP_FAILED else {
            close(fd)
            return nil
        }
        self.fd = fd
        pointer = p
        capacity = bytes
    }

    deinit {
        munmap(pointer, capacity)
        if fd >= 0 { close(fd) }
    }
}
