import Foundation

/// Where a model's data comes from, how it is normalised and split.
///
/// `format` picks the source and the fields it needs:
/// - `idx`: `images` and `labels` (IDX files, paths relative to the spec);
/// - `csv`: `file`, optional `header` (true/false; guessed when absent) and
///   `labelColumn` (a header name or a 0-based index, -1 = last; default -1);
/// - `synthetic`: `generator` (spirals, moons, blobs, xor), `count`, `noise`,
///   `classes` (blobs only) and `seed`.
/// Then `normalisation` is fitted on the training part only and applied to
/// both parts; `validationFraction` of the samples (after a shuffle seeded by
/// `splitSeed`) form the validation set.
public struct DatasetSpec: Codable, Sendable, Equatable {
    /// Where the samples come from.
    public enum Format: String, Codable, Sendable { case idx, csv, synthetic }

    /// Display name, e.g. "mnist5k".
    public var name: String
    public var format: Format
    /// IDX images file (format idx).
    public var images: String?
    /// IDX labels file (format idx).
    public var labels: String?
    /// CSV file (format csv).
    public var file: String?
    /// Whether the CSV's first line is a header; guessed when nil.
    public var header: Bool?
    /// The CSV's label column; the last column when nil.
    public var labelColumn: CSVLabelColumn?
    /// Generator (format synthetic).
    public var generator: SyntheticData.Kind?
    /// Number of generated samples (format synthetic).
    public var count: Int?
    /// Noise of the generator (format synthetic); default 0.1.
    public var noise: Float?
    /// Number of blobs (generator blobs); default 3.
    public var classes: Int?
    /// Generator seed (format synthetic); default 0.
    public var seed: UInt64?
    /// Preprocessing; none when nil.
    public var normalisation: Normalisation?
    /// Fraction of the samples held out for validation, in [0, 1).
    public var validationFraction: Double
    /// Seed of the shuffle before the split.
    public var splitSeed: UInt64

    public init(
        name: String, format: Format, images: String? = nil, labels: String? = nil,
        file: String? = nil, header: Bool? = nil, labelColumn: CSVLabelColumn? = nil,
        generator: SyntheticData.Kind? = nil, count: Int? = nil, noise: Float? = nil,
        classes: Int? = nil, seed: UInt64? = nil, normalisation: Normalisation? = nil,
        validationFraction: Double, splitSeed: UInt64
    ) {
        self.name = name
        self.format = format
        self.images = images
        self.labels = labels
        self.file = file
        self.header = header
        self.labelColumn = labelColumn
        self.generator = generator
        self.count = count
        self.noise = noise
        self.classes = classes
        self.seed = seed
        self.normalisation = normalisation
        self.validationFraction = validationFraction
        self.splitSeed = splitSeed
    }

    /// Reads (or generates) every sample, unsplit and unnormalised.
    /// - Parameters:
    ///   - directory: the spec's directory; relative paths start there.
    ///   - classCount: labels must be in `0..<classCount` (the model's outputs).
    ///   - specPath: the spec's path, for error messages about missing fields.
    /// - Throws: `DatasetError` naming the data file, or `ModelSpecError`.
    public func loadSamples(directory: URL, classCount: Int, specPath: String) throws -> Dataset {
        func path(_ value: String?, _ field: String) throws -> String {
            guard let value, !value.isEmpty else {
                throw ModelSpecError.invalid(path: specPath, problem: "dataset format \(format.rawValue) needs \"\(field)\"")
            }
            if value.hasPrefix("/") { return value }
            return directory.appendingPathComponent(value).standardizedFileURL.path
        }
        switch format {
        case .idx:
            return try IDX.readDataset(
                images: try path(images, "images"), labels: try path(labels, "labels"),
                classCount: classCount, name: name)
        case .csv:
            return try CSV.readDataset(
                path: try path(file, "file"), hasHeader: header,
                labelColumn: labelColumn ?? .index(-1), classCount: classCount, name: name)
        case .synthetic:
            guard let generator else {
                throw ModelSpecError.invalid(path: specPath, problem: "dataset format synthetic needs \"generator\"")
            }
            guard let count, count > 0 else {
                throw ModelSpecError.invalid(path: specPath, problem: "dataset format synthetic needs a positive \"count\"")
            }
            var data = SyntheticData.make(
                generator, count: count, noise: noise ?? 0.1,
                classes: classes ?? 3, seed: seed ?? 0)
            data.name = name
            guard data.classCount <= classCount else {
                throw DatasetError.labelOutOfRange(path: specPath, index: 0, label: data.classCount - 1, classCount: classCount)
            }
            data.classCount = classCount
            return data
        }
    }

    /// Loads, splits and normalises the data (normalisation fitted on the
    /// training part only), with samples shaped as `sampleShape`.
    /// - Throws: `DatasetError`, or `ModelSpecError.datasetShape` when the
    ///   samples do not have `sampleShape`'s element count.
    public func load(
        directory: URL, sampleShape: [Int], classCount: Int,
        specPath: String
    ) throws -> (train: Dataset, validation: Dataset) {
        let loaded = try loadNormalised(directory: directory, sampleShape: sampleShape, classCount: classCount, specPath: specPath)
        return (loaded.train, loaded.validation)
    }

    /// As `load`, and what the model's inputs went through: the normalisation
    /// as fitted on the training part (mean and std filled in when
    /// `standardise` asked for them; nil when the spec has none), and the
    /// range the normalised inputs can take, the raw data's global minimum and
    /// maximum through that normalisation (see `InputRange.normalised`), for
    /// attacks that must stay valid inputs.
    public func loadNormalised(
        directory: URL, sampleShape: [Int], classCount: Int,
        specPath: String
    ) throws -> (train: Dataset, validation: Dataset, normalisation: Normalisation?, inputRange: InputRange) {
        let all = try loadSamples(directory: directory, classCount: classCount, specPath: specPath)
        let raw = InputRange.covering([all])
        var range = raw
        guard all.sampleSize == Tensor.elementCount(sampleShape) else {
            throw ModelSpecError.datasetShape(path: specPath, dataset: name, inputShape: sampleShape, sampleShape: all.sampleShape)
        }
        do {
            let shaped = try all.reshapedSamples(sampleShape)
            var (train, validation) = try shaped.split(validationFraction: validationFraction, seed: splitSeed)
            let fitted = normalisation?.fitted(on: train)
            if let fitted {
                train = try fitted.apply(to: train)
                validation = try fitted.apply(to: validation)
                if fitted.divideBy != 0, !(fitted.std ?? [1]).contains(0) {
                    range = InputRange.normalised(
                        rawLower: raw.lower[0], rawUpper: raw.upper[0], normalisation: fitted, features: all.sampleSize)
                }
            }
            return (train, validation, fitted, range)
        } catch let DatasetError.invalidArgument(_, problem) {
            // Split and normalisation settings live in the spec: name it.
            throw ModelSpecError.invalid(path: specPath, problem: "dataset \(name): \(problem)")
        }
    }
}
