/// Reads the tensors of a saved session (`tensors.safetensors`) and checks
/// each against what `session.json` and the model say it must be before it
/// is trusted: present, Float32, the model's shape, finite, masks only 0
/// and 1, and the content hash recorded at save time.
///
/// Sessions of format version 1 were saved before hashes: they load with
/// every other check (so a wrong shape, NaN weights or a missing tensor is
/// still refused), but a flipped bit that leaves a finite value, or a
/// tensors file from another save of the same history, cannot be told;
/// saving such a session again records hashes.
struct SessionTensorReader {
    let file: SafetensorsFile
    /// `tensors.safetensors`, for errors.
    let path: String
    /// Tensor name -> content hash from `session.json`; nil for version 1.
    let hashes: [String: String]?
    /// The model's tensor shapes, by parameter name.
    let shapes: [String: [Int]]

    /// The tensor `name` in the file, which must hold values for the
    /// parameter `parameter` (its shape); `isMask` also requires 0/1 values.
    func read(_ name: String, parameter: String, isMask: Bool = false) throws -> Tensor {
        guard let shape = shapes[parameter] else {
            throw PruningError(path, "tensor \"\(name)\" belongs to \"\(parameter)\", which the model does not have")
        }
        guard let info = file.info(named: name) else {
            throw PruningError(path, "no tensor \"\(name)\", which session.json lists (the two files are from different saves)")
        }
        guard info.dtype == .F32 else { throw PruningError(path, "tensor \"\(name)\" is \(info.dtype), a session stores F32") }
        guard info.shape == shape else {
            throw PruningError(path, "tensor \"\(name)\" has shape \(info.shape.shapeText), the model's \(parameter) is \(shape.shapeText)")
        }
        let tensor = try file.floatTensor(named: name)
        if let hashes {
            guard let expected = hashes[name] else {
                throw PruningError(path, "tensor \"\(name)\" has no content hash in session.json (the two files are from different saves)")
            }
            guard tensor.contentHash == expected else {
                throw PruningError(
                    path, "tensor \"\(name)\" does not match its content hash in session.json (damaged, or from another save)")
            }
        }
        if isMask, let bad = tensor.data.firstIndex(where: { $0 != 0 && $0 != 1 }) {
            throw PruningError(path, "tensor \"\(name)\" holds a mask value other than 0 or 1 (\(tensor.data[bad])) at element \(bad)")
        }
        if !isMask, let problem = tensor.nonFiniteProblem { throw PruningError(path, "tensor \"\(name)\" \(problem)") }
        return tensor
    }

    /// The parameter an optimiser buffer belongs to: buffers are named
    /// "<parameter>.<buffer>" ("fc1.weight.momentum"), parameters may hold dots.
    func parameter(ofOptimizerKey key: String) -> String? {
        shapes.keys.filter { key.hasPrefix($0 + ".") }.max { $0.count < $1.count }
    }
}
