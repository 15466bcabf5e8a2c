import Foundation
import Testing
import SISRCore
@testable import Baselines

@Suite struct EvaluationPredictionsTests {
    let classes = ["A", "B"]
    let keys: Set<String> = ["m1__i0", "m1__i1", "m2__i0"]

    func parse(_ text: String) throws -> [Prediction] {
        try Predictions.parse(Array(text.utf8), path: "p.jsonl", classes: classes, expectedKeys: keys, protocolName: "toy")
    }

    func message(_ text: String) -> String {
        do { _ = try parse(text); return "" } catch { return "\(error)" }
    }

    let good = """
    {"key":"m1__i0","label":"A"}
    {"key":"m1__i1","label":"B","scores":[0.25,0.75]}

    {"key":"m2__i0","label":"A","scores":{"B":2,"A":3},"features":[1,2.5]}
    """

    @Test func readsValidFileWithBothScoreForms() throws {
        let p = try parse(good)
        #expect(p.count == 3)
        #expect(p[1].scores == [0.25, 0.75] && p[1].line == 2)
        #expect(p[2].scores == [3, 2] && p[2].features == [1, 2.5] && p[2].line == 4)
    }

    @Test func encodeIsCanonicalAndRoundTrips() throws {
        let p = try parse(good)
        let bytes = Predictions.encode(p.reversed())
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.hasPrefix("{\"key\":\"m1__i0\",\"label\":\"A\"}\n"))
        #expect(text.contains("{\"features\":[1.0,2.5],\"key\":\"m2__i0\",\"label\":\"A\",\"scores\":[3.0,2.0]}"))
        let back = try parse(text)
        #expect(back.map(\.key) == ["m1__i0", "m1__i1", "m2__i0"])
        #expect(back.map(\.scores) == p.map(\.scores))
        #expect(Predictions.encode(back) == bytes)
    }

    @Test("the writer's bytes are pinned: sorted keys, doubles in Swift's shortest form, non-finite as null")
    func encodeBytesArePinned() {
        let p = [
            Prediction(key: "b\"k", label: "B", scores: [1, 0.25, 1e-05, -.infinity], features: [0, -2.5e300]),
            Prediction(key: "a", label: "é\n"),
        ]
        let want = #"{"key":"a","label":"é\n"}"# + "\n"
            + #"{"features":[0.0,-2.5e+300],"key":"b\"k","label":"B","scores":[1.0,0.25,1e-05,null]}"# + "\n"
        #expect(String(decoding: Predictions.encode(p), as: UTF8.self) == want)
    }

    @Test func errorsNameFileAndLine() {
        let l1 = "{\"key\":\"m1__i0\",\"label\":\"A\"}\n"
        let rest = "{\"key\":\"m1__i1\",\"label\":\"B\"}\n{\"key\":\"m2__i0\",\"label\":\"A\"}\n"
        let cases: [(String, String)] = [
            (l1 + "{\"key\": \"m1__i1\", \"label\": \n", "p.jsonl:2: invalid JSON"),
            (l1 + "[1,2]\n", "p.jsonl:2: expected one JSON object per line"),
            (l1 + "{\"label\":\"A\"}\n", "p.jsonl:2: missing string field \"key\""),
            (l1 + "{\"key\":\"m1__i1\"}\n", "p.jsonl:2: missing string field \"label\" for key m1__i1"),
            (l1 + "{\"key\":\"m1__i1\",\"label\":3}\n", "p.jsonl:2: missing string field \"label\""),
            (l1 + l1, "p.jsonl:2: duplicate key m1__i0 (first on line 1)"),
            (l1 + "{\"key\":\"zz__i9\",\"label\":\"A\"}\n", "p.jsonl:2: key zz__i9 is not a test sample of protocol toy"),
            (l1 + "{\"key\":\"m1__i1\",\"label\":\"C\"}\n", "p.jsonl:2: label \"C\" of key m1__i1 is not a class of protocol toy (classes: A, B)"),
            (l1 + "{\"key\":\"m1__i1\",\"label\":\"A\",\"scores\":[1]}\n", "p.jsonl:2: \"scores\" of key m1__i1 has 1 values, the protocol has 2 classes"),
            (l1 + "{\"key\":\"m1__i1\",\"label\":\"A\",\"scores\":{\"Z\":1}}\n", "p.jsonl:2: \"scores\" of key m1__i1 names unknown class \"Z\""),
            (l1 + "{\"key\":\"m1__i1\",\"label\":\"A\",\"scores\":[1,\"x\"]}\n", "p.jsonl:2: \"scores\" of key m1__i1 must be"),
            ("{\"key\":\"m1__i0\",\"label\":\"A\",\"features\":[1]}\n{\"key\":\"m1__i1\",\"label\":\"A\",\"features\":[1,2]}\n",
             "p.jsonl:2: \"features\" of key m1__i1 has 2 values, line 1 has 1"),
            (l1, "p.jsonl: 2 of 3 test samples of protocol toy have no prediction: m1__i1, m2__i0"),
        ]
        for (text, expected) in cases {
            let m = message(text)
            #expect(m.hasPrefix(expected), "got: \(m)")
        }
        #expect(message(l1 + rest).contains("duplicate key m1__i1") == false)
    }

    @Test func missingFileIsAnIOError() {
        #expect(throws: SISRError.self) {
            _ = try Predictions.read(URL(fileURLWithPath: "/nonexistent/p.jsonl"), classes: classes,
                                     expectedKeys: keys, protocolName: "toy")
        }
    }
}
