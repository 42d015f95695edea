import Foundation
import Testing

@testable import PruneKit

/// A checkpoint written by PyTorch itself (Fixtures/make_torch_fixture.py:
/// `safetensors.torch.save_file` of an nn.Sequential state_dict, with F16,
/// BF16 and I64 tensors added) and what PyTorch computed from it.
@Suite struct TorchCheckpointTests {
    struct Expected: Decodable {
        var input: [[Float]]
        var logits: [[Float]]
        var half_as_float: [Float]
        var bhalf_as_float: [Float]
        var steps: [Int64]
    }

    static func expected() throws -> Expected {
        try JSONDecoder().decode(Expected.self, from: Data(contentsOf: URL(fileURLWithPath: Fixtures.path("torch_mlp.json"))))
    }

    @Test func loadsAndComputesWhatPyTorchComputed() throws {
        let file = try SafetensorsFile(contentsOf: Fixtures.path("torch_mlp.safetensors"))
        #expect(file.metadata["format"] == "pt")
        func dense(_ name: String, _ prefix: String) throws -> Dense {
            try Dense(
                name: name, weight: Parameter(name: prefix + ".weight", role: .weight, value: file.floatTensor(named: prefix + ".weight")),
                bias: Parameter(name: prefix + ".bias", role: .bias, value: file.floatTensor(named: prefix + ".bias")))
        }
        let model = Model(name: "torch-mlp", inputShape: [4], layers: [try dense("fc1", "0"), ReLU(name: "relu"), try dense("fc2", "2")])
        let e = try Self.expected()
        let logits = model.forward(Tensor(shape: [2, 4], data: e.input.flatMap { $0 }))
        for (got, want) in zip(logits.data, e.logits.flatMap { $0 }) {
            #expect(abs(got - want) <= 1e-6 * max(1, abs(want)), "logit \(got) vs PyTorch \(want)")
        }
    }

    @Test func halfPrecisionAndIntegerTensorsDecodeAsPyTorchDoes() throws {
        let file = try SafetensorsFile(contentsOf: Fixtures.path("torch_mlp.safetensors"))
        let e = try Self.expected()
        #expect(file.info(named: "half.weight")?.dtype == .F16)
        #expect(file.info(named: "bhalf.weight")?.dtype == .BF16)
        #expect(try file.floatTensor(named: "half.weight").data == e.half_as_float)
        #expect(try file.floatTensor(named: "bhalf.weight").data == e.bhalf_as_float)
        let steps = try file.rawBytes(named: "steps")
        let ints = stride(from: 0, to: steps.count, by: 8).map { i in
            steps[i..<(i + 8)].enumerated().reduce(Int64(0)) { $0 | Int64($1.element) << (8 * Int64($1.offset)) }
        }
        #expect(ints == e.steps)
    }
}
