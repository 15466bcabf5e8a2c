/// Renders an `EvaluationReport` as Markdown: summary, the paper's figures beside ours, accuracy by
/// parameter, per-class accuracy, the confusion matrix (small protocols) and the distance ratios.
public enum MarkdownReport {
    public static func render(_ r: EvaluationReport) -> String {
        summary(r) + details(r)
    }

    /// Title, headline figures and the paper comparison (what `sisr evaluate` prints).
    public static func summary(_ r: EvaluationReport) -> String {
        var md = "# Evaluation: \(r.protocolName)\n\n"
        md += "- Predictions: `\(r.predictionsFile)`\n- Label: `\(r.labelField)`, \(r.classes.count) classes, "
        md += "\(r.samples) test samples\n"
        if let p = r.perturbation { md += "- Test images perturbed: \(p)\n" }
        md += "- **Accuracy: \(pct(r.overall))** (\(r.overall.correct)/\(r.overall.total))\n"
        if let one = r.oneImage { md += "- 1-image accuracy: \(pct(one))\n" }
        if let v = r.majorityVote {
            md += "- \(v.groupSize)-image majority-vote accuracy: \(pct(v.groups)) over \(v.groups.total) groups"
            md += v.imagesDropped > 0 ? " (\(v.imagesDropped) images in incomplete groups left out)\n" : "\n"
        }
        if let s = r.seedTriplets {
            md += "- Seed-sibling accuracy (\(s.sets) sets, \(s.usedScores ? "arg-max of scores over the set" : "hard labels")): "
            md += "\(pct(s.overall)); NLSN omitted: \(pct(s.withoutNLSN))\n"
        }
        if !r.paper.isEmpty {
            md += "\n## Paper vs ours\n\n| metric | method (paper) | where | paper % | ours % |\n|---|---|---|---:|---:|\n"
            for p in r.paper {
                let paper = p.paperStd.map { String(format: "%.1f ± %.1f", p.paper, $0) } ?? String(format: "%.1f", p.paper)
                md += "| \(p.metric) | \(p.method) | \(p.table ?? "") | \(paper) | \(p.ours.map { String(format: "%.1f", $0) } ?? "–") |\n"
            }
            let sources = Array(Set(r.paper.map(\.source))).sorted()
            md += "\nSources: " + sources.joined(separator: "; ") + "\n"
            if let note = r.paperNote { md += "\n**\(note)**\n" }
        }
        return md
    }

    /// Accuracy by parameter, seed siblings, per class, confusion matrix and distance ratios.
    public static func details(_ r: EvaluationReport) -> String {
        var md = ""
        if !r.byParameter.isEmpty {
            md += "\n## Accuracy by parameter\n\n| parameter | value | accuracy | n |\n|---|---|---:|---:|\n"
            for field in r.byParameter.keys.sorted() {
                for (value, t) in r.byParameter[field]!.sorted(by: { $0.key < $1.key }) {
                    md += "| \(field) | \(value) | \(pct(t)) | \(t.total) |\n"
                }
            }
        }
        if let s = r.seedTriplets, !s.byLossAndScale.isEmpty {
            md += "\n## Seed siblings by loss and scale (NLSN omitted)\n\n| loss scale | accuracy | n |\n|---|---:|---:|\n"
            for (g, t) in s.byLossAndScale.sorted(by: { $0.key < $1.key }) { md += "| \(g) | \(pct(t)) | \(t.total) |\n" }
        }
        md += "\n## Per class\n\n| # | class | accuracy | n |\n|---:|---|---:|---:|\n"
        for (i, c) in r.classes.enumerated() {
            let t = r.perClass[c] ?? Tally()
            md += "| \(i) | \(c) | \(pct(t)) | \(t.total) |\n"
        }
        if r.classes.count <= 30 {
            md += "\n## Confusion matrix (rows: true, columns: predicted, by class number)\n\n"
            md += "| true \\ pred | " + r.classes.indices.map(String.init).joined(separator: " | ") + " |\n"
            md += "|---|" + String(repeating: "---:|", count: r.classes.count) + "\n"
            for (i, row) in r.confusion.enumerated() {
                md += "| \(i) | " + row.map(String.init).joined(separator: " | ") + " |\n"
            }
        }
        if let d = r.distanceRatio, r.classes.count <= 30 {
            md += "\n## Intra- to inter-class distance ratio R(A,B)\n\n| A \\ B | "
            md += r.classes.indices.map(String.init).joined(separator: " | ") + " |\n|---|"
            md += String(repeating: "---:|", count: r.classes.count) + "\n"
            for (i, row) in d.enumerated() {
                md += "| \(i) | " + row.map { $0.map { String(format: "%.3f", $0) } ?? "–" }.joined(separator: " | ") + " |\n"
            }
        }
        return md
    }

    static func pct(_ t: Tally) -> String {
        t.accuracy.map { String(format: "%.1f%%", $0 * 100) } ?? "–"
    }
}
