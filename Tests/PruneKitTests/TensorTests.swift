import PruneKit
import Testing

@Suite struct TensorTests {
    @Test func matmulMatchesHandWorkedProduct() {
        let a = Tensor(shape: [2, 3], data: [1, 2, 3, 4, 5, 6])
        let b = Tensor(shape: [3, 2], data: [7, 8, 9, 10, 11, 12])
        #expect(Tensor.matmul(a, b).data == [58, 64, 139, 154])
        #expect(Tensor.matmul(a, a, transposeB: true).data == [14, 32, 32, 77])
        #expect(Tensor.matmul(a, a, transposeA: true).shape == [3, 3])
    }

    @Test func seededRandomRepeats() {
        var r1 = SeededRandom(seed: 42), r2 = SeededRandom(seed: 42)
        let xs = (0..<5).map { _ in r1.nextUnitFloat() }
        let ys = (0..<5).map { _ in r2.nextUnitFloat() }
        #expect(xs == ys)
        var r3 = SeededRandom(seed: 43)
        #expect((0..<5).map { _ in r3.nextUnitFloat() } != xs)
        #expect(Set(r1.permutation(10)) == Set(0..<10))
    }
}
