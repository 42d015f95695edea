#if canImport(Glibc)
import Glibc
#else
import Foundation
#endif

/// Seeded generators of small 2-D classification problems for teaching.
///
/// Every generator returns a dataset of shape `[count, 2]`, classes as
/// balanced as `count` allows, samples interleaved by class; the same
/// arguments give the same points on every run.
public enum SyntheticData {
    /// The generators by name, as used in model specs.
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case spirals, moons, blobs, xor
    }

    /// Runs the generator `kind` with its usual parameters.
    /// - Parameters:
    ///   - noise: standard deviation of the Gaussian noise added to each point
    ///     (for blobs: the spread of each blob).
    ///   - classes: only used by blobs (other generators have 2 classes).
    public static func make(_ kind: Kind, count: Int, noise: Float, classes: Int = 3, seed: UInt64) -> Dataset {
        switch kind {
        case .spirals: return twoSpirals(count: count, noise: noise, seed: seed)
        case .moons: return moons(count: count, noise: noise, seed: seed)
        case .blobs: return blobs(count: count, classes: classes, spread: noise, seed: seed)
        case .xor: return xor(count: count, noise: noise, seed: seed)
        }
    }

    /// Two interleaved spirals, each turning 1.75 times around the origin,
    /// radius growing from 0 to 1.
    public static func twoSpirals(count: Int, noise: Float, seed: UInt64) -> Dataset {
        var rng = SeededRandom(seed: seed)
        return generate(name: "two spirals", count: count, classes: 2) { i, label in
            let t = rng.nextUnitFloat()
            let angle = t * 3.5 * Float.pi + Float(label) * Float.pi
            let r = t
            return (r * cosf(angle) + noise * rng.normal(), r * sinf(angle) + noise * rng.normal())
        }
    }

    /// Two interleaving half circles (scikit-learn's `make_moons` layout).
    public static func moons(count: Int, noise: Float, seed: UInt64) -> Dataset {
        var rng = SeededRandom(seed: seed)
        return generate(name: "moons", count: count, classes: 2) { _, label in
            let t = rng.nextUnitFloat() * Float.pi
            let (x, y) = label == 0 ? (cosf(t), sinf(t)) : (1 - cosf(t), 0.5 - sinf(t))
            return (x + noise * rng.normal(), y + noise * rng.normal())
        }
    }

    /// `classes` isotropic Gaussian blobs with standard deviation `spread`,
    /// centred evenly on a circle of radius 2.
    public static func blobs(count: Int, classes: Int, spread: Float, seed: UInt64) -> Dataset {
        var rng = SeededRandom(seed: seed)
        let k = max(1, classes)
        return generate(name: "blobs", count: count, classes: k) { _, label in
            let a = 2 * Float.pi * Float(label) / Float(k)
            return (2 * cosf(a) + spread * rng.normal(), 2 * sinf(a) + spread * rng.normal())
        }
    }

    /// Points uniform in [-1, 1]^2; class 1 where x and y have different signs.
    /// Each class is drawn from its own two quadrants, so classes stay balanced.
    public static func xor(count: Int, noise: Float, seed: UInt64) -> Dataset {
        var rng = SeededRandom(seed: seed)
        return generate(name: "xor", count: count, classes: 2) { _, label in
            let x = rng.uniform(0.05, 1), y = rng.uniform(0.05, 1)
            let flip = rng.nextUnitFloat() < 0.5
            let sx: Float = flip ? -1 : 1
            let sy: Float = label == 0 ? sx : -sx
            return (sx * x + noise * rng.normal(), sy * y + noise * rng.normal())
        }
    }

    private static func generate(
        name: String, count: Int, classes: Int,
        point: (Int, Int) -> (Float, Float)
    ) -> Dataset {
        let n = max(0, count)
        var data = [Float](repeating: 0, count: n * 2)
        var labels = [Int](repeating: 0, count: n)
        for i in 0..<n {
            let label = i % classes
            let (x, y) = point(i, label)
            data[2 * i] = x
            data[2 * i + 1] = y
            labels[i] = label
        }
        return Dataset(name: name, inputs: Tensor(shape: [n, 2], data: data), labels: labels, classCount: classes)
    }
}
