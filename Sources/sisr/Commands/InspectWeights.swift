import ArgumentParser
import Foundation
import SRModels

extension SISRCommand {
    struct InspectWeights: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "inspect-weights",
            abstract: "List the tensors of a checkpoint (torch .pth/.pt, legacy torch, safetensors) without Python.",
            discussion: """
                Prints the detected format, the root keys, the wrapper keys descended into (params_ema, \
                params, state_dict, model/sd), then each tensor's name, stored dtype and shape, and totals. \
                Pickled code is never run: a checkpoint that calls anything outside a small allowlist is refused.
                """)

        @Argument(help: "Checkpoint file.")
        var file: String

        @Option(help: "Descend into this root key (dot-separated, e.g. params or model.sd) instead of the automatic choice.")
        var key: String?

        @Flag(help: "Keep a leading 'module.' in key names.")
        var keepModulePrefix = false

        @Option(name: .customLong("allow-global"), help: "Accept this pickled class (module.Name) as inert metadata. Repeatable.")
        var allowGlobals: [String] = []

        @Option(help: "Write the float tensors to this safetensors file (F32).")
        var exportSafetensors: String?

        func run() throws {
            let options = WeightLoadOptions(
                rootKey: key, stripModulePrefix: !keepModulePrefix, extraAllowedGlobals: Set(allowGlobals))
            let ck = try loadCheckpoint(URL(fileURLWithPath: file), options: options)
            print(InspectWeights.report(ck))
            if let out = exportSafetensors {
                try writeSafetensors(ck.stateDict(), to: URL(fileURLWithPath: out), metadata: ["format": "pt"])
                print("wrote \(ck.stateDict().count) float tensors to \(out)")
            }
        }

        /// The printed report (kept separate so it can be tested).
        static func report(_ ck: Checkpoint) -> String {
            var lines = ["file: \(ck.path)", "format: \(ck.format.rawValue)"]
            lines.append("root keys: \(ck.rootKeys.joined(separator: ", "))")
            lines.append("tensors under: \(ck.unwrapPath.isEmpty ? "(root)" : ck.unwrapPath.joined(separator: " > "))")
            if !ck.metadata.isEmpty {
                lines.append("metadata: " + ck.metadata.keys.sorted().map { "\($0)=\(ck.metadata[$0]!)" }.joined(separator: ", "))
            }
            let width = min(ck.entries.map(\.name.count).max() ?? 0, 60)
            var params = 0, floatParams = 0, byDType: [String: Int] = [:]
            for e in ck.entries {
                let shape = "[" + e.tensor.shape.map(String.init).joined(separator: ", ") + "]"
                let pad = String(repeating: " ", count: max(0, width - e.name.count))
                lines.append("  \(e.name)\(pad)  \(e.dtype.rawValue.padding(toLength: 4, withPad: " ", startingAt: 0))  \(shape)")
                params += e.tensor.count
                if e.dtype.isFloatingPoint { floatParams += e.tensor.count }
                byDType[e.dtype.rawValue, default: 0] += 1
            }
            let kinds = byDType.keys.sorted().map { "\(byDType[$0]!) \($0)" }.joined(separator: ", ")
            lines.append("total: \(ck.entries.count) tensors (\(kinds)), \(params) values, \(floatParams) float parameters")
            if !ck.droppedKeys.isEmpty { lines.append("dropped buffers: \(ck.droppedKeys.joined(separator: ", "))") }
            if !ck.ignoredEntries.isEmpty { lines.append("ignored non-tensor entries: \(ck.ignoredEntries.joined(separator: ", "))") }
            return lines.joined(separator: "\n")
        }
    }
}
