import ArgumentParser

/// The machine's place in a job split over machines (`sisr build`, `sisr baseline`): `--worker I
/// --workers N`, else Slurm job arrays (`SLURM_ARRAY_TASK_ID`, `SLURM_ARRAY_TASK_COUNT`, minus
/// `SLURM_ARRAY_TASK_MIN`) or a Kubernetes Indexed Job (`JOB_COMPLETION_INDEX`, with --workers).
enum WorkerIndex {
    static func resolve(worker: Int?, workers: Int?, env: [String: String]) throws -> (Int, Int) {
        var i = worker, n = workers
        if i == nil, let s = env["SLURM_ARRAY_TASK_ID"], let v = Int(s) { i = v - (env["SLURM_ARRAY_TASK_MIN"].flatMap { Int($0) } ?? 0) }
        if i == nil, let s = env["JOB_COMPLETION_INDEX"], let v = Int(s) { i = v }
        if n == nil, let s = env["SLURM_ARRAY_TASK_COUNT"], let v = Int(s) { n = v }
        let idx = i ?? 0, count = n ?? 1
        guard count >= 1, idx >= 0, idx < count else {
            throw ValidationError("worker index \(idx) is not in 0..<\(count) (check --worker/--workers or the job array variables)")
        }
        return (idx, count)
    }
}
