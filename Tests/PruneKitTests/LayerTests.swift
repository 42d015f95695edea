import Testing

@testable import PruneKit

@Suite struct LayerTests {
    @Test func denseForwardHandWorked() throws {
        // W = [[1, 2, 3], [4, 5, 6]], b = [0.5, -1]; x = [[1, 0, -1], [2, 1, 0]]
        let layer = try Dense(
            name: "fc",
            weight: Parameter(
                name: "fc.weight", role: .weight,
                value: Tensor(shape: [2, 3], data: [1, 2, 3, 4, 5, 6])),
            bias: Parameter(name: "fc.bias", role: .bias, value: Tensor(shape: [2], data: [0.5, -1])))
        #expect(layer.inFeatures == 3 && layer.outFeatures == 2 && layer.kind == .dense)
        let y = layer.forward(Tensor(shape: [2, 3], data: [1, 0, -1, 2, 1, 0]), training: false)
        #expect(y.shape == [2, 2])
        let expected: [Float] = [-1.5, -3, 4.5, 12]  // [1-3+0.5, 4-6-1, 2+2+0.5, 8+5-1]
        #expect(y.data == expected)
        #expect(layer.denseMACs(for: [3]) == 6)
    }

    @Test func denseInitIsPyTorchDefaultAndSeeded() {
        var r1 = SeededRandom(seed: 5), r2 = SeededRandom(seed: 5)
        let a = Dense(name: "fc", inFeatures: 100, outFeatures: 30, weightName: "w", biasName: "b", rng: &r1)
        let b = Dense(name: "fc", inFeatures: 100, outFeatures: 30, weightName: "w", biasName: "b", rng: &r2)
        #expect(a.weight?.value == b.weight?.value && a.bias?.value == b.bias?.value)
        let bound: Float = 0.1
        let w = a.weight?.value.data ?? []
        #expect(w.count == 3000 && a.weight?.value.shape == [30, 100])
        #expect(w.allSatisfy { abs($0) <= bound })
        #expect((w.max() ?? 0) > 0.09 && (w.min() ?? 0) < -0.09)
        #expect(a.bias?.value.data.allSatisfy { abs($0) <= bound } == true)
        #expect(a.weight?.name == "w" && a.weight?.role == .weight && a.bias?.role == .bias)
    }

    @Test func convForwardMatchesPyTorch() throws {
        // torch.nn.Conv2d(1, 2, 3, stride=2, padding=1) on arange(1, 17).reshape(1, 1, 4, 4)
        let w = Tensor(shape: [2, 1, 3, 3], data: [1, 0, -1, 2, 0, -2, 1, 0, -1, 0, 1, 0, 1, -4, 1, 0, 1, 0])
        let layer = try Conv2D(
            name: "conv", weight: Parameter(name: "conv.weight", role: .weight, value: w),
            bias: Parameter(name: "conv.bias", role: .bias, value: Tensor(shape: [2], data: [0.5, -1])),
            stride: 2, padding: 1)
        let x = Tensor(shape: [1, 1, 4, 4], data: (1...16).map(Float.init))
        let y = layer.forward(x, training: false)
        #expect(y.shape == [1, 2, 2, 2])
        #expect(y.data == [-9.5, -5.5, -39.5, -7.5, 2.0, 0.0, -9.0, -1.0])
        #expect(try layer.outputShape(for: [1, 4, 4]) == [2, 2, 2])
        #expect(layer.denseMACs(for: [1, 4, 4]) == 2 * 9 * 4)
    }

    @Test func convBatchesLikeSingleSamples() {
        var rng = SeededRandom(seed: 3)
        let layer = Conv2D(
            name: "c", inChannels: 3, outChannels: 4, kernelSize: 3, padding: 1,
            weightName: "w", biasName: "b", rng: &rng)
        let x = GradientTests.random([5, 3, 7, 7], seed: 4)
        let batched = layer.forward(x, training: false)
        let per = 4 * 7 * 7
        for n in 0..<5 {
            let single = layer.forward(Tensor(shape: [1, 3, 7, 7], data: Array(x.data[n * 147..<(n + 1) * 147])), training: false)
            for i in 0..<per { #expect(abs(single.data[i] - batched.data[n * per + i]) < 1e-5) }
        }
    }

    @Test func maxPoolForwardMatchesPyTorch() {
        let x = Tensor(shape: [1, 1, 4, 5], data: [1, 5, 2, 0, 9, 3, 4, 8, 1, 2, 7, 0, 6, 6, 1, 2, 2, 3, 4, 5])
        let layer = MaxPool2D(name: "pool", kernelSize: 2, stride: 2)
        let y = layer.forward(x, training: false)
        #expect(y.shape == [1, 1, 2, 2] && y.data == [5, 8, 7, 6])
        let g = layer.backward(Tensor(shape: [1, 1, 2, 2], data: [1, 2, 3, 4]))
        #expect(g.data == [0, 1, 0, 0, 0, 0, 0, 2, 0, 0, 3, 0, 4, 0, 0, 0, 0, 0, 0, 0])
    }

    @Test func activationsForward() {
        let x = Tensor(shape: [1, 4], data: [-2, -0.5, 0, 3])
        #expect(ReLU(name: "r").forward(x, training: false).data == [0, 0, 0, 3])
        // A diverged network shows NaN rather than silently clamping it to 0.
        #expect(ReLU(name: "r").forward(Tensor(shape: [1, 2], data: [.nan, -1]), training: false).data[0].isNaN)
        let t = Tanh(name: "t").forward(x, training: false).data
        #expect(abs(t[0] + 0.9640276) < 1e-6 && t[2] == 0 && abs(t[3] - 0.9950548) < 1e-6)
    }

    @Test func kindsAreTheSpecNames() {
        var rng = SeededRandom(seed: 1)
        let layers: [any Layer] = [
            Dense(name: "a", inFeatures: 1, outFeatures: 1, weightName: "w", biasName: nil, rng: &rng),
            Conv2D(name: "b", inChannels: 1, outChannels: 1, kernelSize: 1, weightName: "w2", biasName: nil, rng: &rng),
            MaxPool2D(name: "c", kernelSize: 2, stride: 2), ReLU(name: "d"), Tanh(name: "e"),
            Flatten(name: "f"), Dropout(name: "g", probability: 0.5, seed: 1),
        ]
        #expect(layers.map(\.kind) == [.dense, .conv2d, .maxpool2d, .relu, .tanh, .flatten, .dropout])
        // The raw values are the spec's words, so spec and report JSON read and write as before.
        #expect(layers.map(\.kind.rawValue) == ["dense", "conv2d", "maxpool2d", "relu", "tanh", "flatten", "dropout"])
    }

    @Test func outputShapesAndTypedErrors() throws {
        var rng = SeededRandom(seed: 2)
        let model = Model(
            name: "lenet5ish", inputShape: [1, 28, 28],
            layers: [
                Conv2D(
                    name: "conv1", inChannels: 1, outChannels: 6, kernelSize: 5, weightName: "conv1.weight", biasName: "conv1.bias",
                    rng: &rng),
                ReLU(name: "relu1"),
                MaxPool2D(name: "pool1", kernelSize: 2, stride: 2),
                Flatten(name: "flatten"),
                Dense(name: "fc", inFeatures: 6 * 12 * 12, outFeatures: 10, weightName: "fc.weight", biasName: "fc.bias", rng: &rng),
            ])
        #expect(try model.activationShapes() == [[1, 28, 28], [6, 24, 24], [6, 24, 24], [6, 12, 12], [864], [10]])
        #expect(model.layers[0].denseMACs(for: [1, 28, 28]) == 6 * 25 * 576)

        let dense = model.layers[4]
        #expect(throws: LayerError.self) { try dense.outputShape(for: [100]) }
        do {
            _ = try dense.outputShape(for: [6, 12, 12])
            Issue.record("expected an error")
        } catch let error as LayerError {
            #expect(error.description == "layer 'fc' (dense) expects input [864], got [6, 12, 12]")
        }
        #expect(throws: LayerError.self) { try model.layers[0].outputShape(for: [3, 28, 28]) }
        #expect(throws: LayerError.self) { try model.layers[0].outputShape(for: [1, 4, 4]) }
        #expect(throws: LayerError.self) { try model.layers[2].outputShape(for: [6, 1, 1]) }
        #expect(throws: LayerError.self) { try model.layers[3].outputShape(for: []) }
        #expect(throws: LayerError.self) {
            _ = try Dense(
                name: "x", weight: Parameter(name: "w", role: .weight, value: Tensor.zeros([2, 3])),
                bias: Parameter(name: "b", role: .bias, value: Tensor.zeros([3])))
        }
    }

    @Test func copyIsDeepAndKeepsMasks() {
        var rng = SeededRandom(seed: 3)
        let dense = Dense(name: "fc", inFeatures: 2, outFeatures: 2, weightName: "w", biasName: "b", rng: &rng)
        dense.weight?.mask = Tensor(shape: [2, 2], data: [1, 0, 1, 1])
        guard let copy = dense.copy() as? Dense else { Issue.record("copy is not a Dense"); return }
        #expect(copy.weight?.value == dense.weight?.value && copy.weight?.mask == dense.weight?.mask)
        copy.weight?.value.data[0] = 42
        #expect(dense.weight?.value.data[0] != 42)
        #expect(copy.weight !== dense.weight)
    }
}
