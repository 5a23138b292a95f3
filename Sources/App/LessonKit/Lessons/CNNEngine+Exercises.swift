// Lesson 3's exercises take their inputs from the step-through: the traced image at the step's weights,
// each array in the tutorial's layout for one image ((H, W, C) maps, (n,) vectors).
import Network
import Numerics

extension CNNEngine: ExerciseSource {
    /// The functions lesson 3's network has layers for.
    static let exerciseFunctions = ["conv_forward", "conv_backward", "maxpool_forward", "maxpool_backward", "dense_forward",
                                    "dense_backward", "relu_backward", "softmax_cross_entropy_delta"]

    /// Which layer of the network a call reads: a conv function names a conv layer, relu_backward a
    /// layer with a ReLU after it, and so on.
    static func exerciseLayer(_ call: Exercise.Call, specs: [LayerSpec], path: String) throws -> Int {
        let f = call.function.name
        let wanted: (String, (Int) -> Bool)
        func followedBy<T>(_: T.Type) -> (Int) -> Bool { { i in i + 1 < specs.count && specs[i + 1].kind is T } }
        switch f {
        case "conv_forward", "conv_backward": wanted = ("a conv layer", { specs[$0].kind is ConvKind })
        case "maxpool_forward", "maxpool_backward": wanted = ("a maxpool layer", { specs[$0].kind is MaxPool2D })
        case "dense_forward", "dense_backward": wanted = ("a dense layer", { specs[$0].kind is DenseKind })
        case "relu_backward": wanted = ("a conv or dense layer with a relu after it", followedBy(ReLU.self))
        case "softmax_cross_entropy_delta": wanted = ("the dense layer before the softmax", followedBy(Softmax.self))
        default: throw LessonError.at(path, line: call.line, "function \(f) does not belong to lesson 3's network; use a conv, maxpool, dense, relu or softmax function.")
        }
        let fitting = specs.indices.filter(wanted.1).map { specs[$0].name }
        guard let name = call.layer else {
            throw LessonError.at(path, line: call.line, "function \(f) needs layer=NAME, \(wanted.0) (\(fitting.joined(separator: ", "))).")
        }
        let instead = fitting.isEmpty ? "the network has none" : "the network's: \(fitting.joined(separator: ", "))"
        guard let i = specs.firstIndex(where: { $0.name == name }) else {
            throw LessonError.at(path, line: call.line, "\(f) layer=\(name): the ```network block has no layer \(name); \(f) needs \(wanted.0) (\(instead)).")
        }
        guard wanted.1(i) else {
            // What the layer is now, in the network block's words: "pool1 is `avgpool f=2`".
            let now = f == "relu_backward" || f == "softmax_cross_entropy_delta"
                ? (i + 1 < specs.count ? "\(name) is followed by \(specs[i + 1].name) (`\(specs[i + 1].summary)`)" : "\(name) is the last layer")
                : "\(name) is `\(specs[i].summary)`"
            throw LessonError.at(path, line: call.line, "\(f) layer=\(name): \(now); \(f) needs \(wanted.0) (\(instead)).")
        }
        return i
    }

    public static func validateExercise(_ exercise: Exercise, file: LessonFile) throws {
        for call in exercise.calls where !exerciseFunctions.contains(call.function.name) {
            throw LessonError.at(file.path, line: call.line, "function \(call.function.name) does not belong to lesson 3's network; use \(exerciseFunctions.joined(separator: ", ")).")
        }
    }

    public static func exerciseFit(_ exercise: Exercise, file: LessonFile) throws {
        let specs = try NetworkBlock.parse(file.blocks["network"] ?? [], file: file.path, input: [28, 28, 1])
        for call in exercise.calls { _ = try exerciseLayer(call, specs: specs, path: file.path) }
    }

    public func exerciseInputs(_ call: Exercise.Call) throws -> ExerciseArrays {
        let i = try Self.exerciseLayer(call, specs: specs, path: context.file.path)
        let (pass, back, label) = try ensureTrace()
        let net = try ensureStepNetwork()
        // One image's tensors without the batch axis: (1, H, W, C) → (H, W, C), (1, n) → (n).
        func one(_ t: Tensor<Double>?) -> Tensor<Double> { let t = t!; return t.reshaped(Array(t.shape.dropFirst())) }
        switch (call.function.name, net.layers[i]) {
        case ("conv_forward", let c as Conv2D): return ["x": one(pass.inputs[i]), "W": c.weights, "b": c.bias]
        case ("conv_backward", let c as Conv2D): return ["x": one(pass.inputs[i]), "W": c.weights, "delta": one(back.deltaOut[i])]
        case ("maxpool_forward", let p as MaxPool2D): return ["x": one(pass.inputs[i]), "f": integer(p.f)]
        case ("maxpool_backward", let p as MaxPool2D): return ["x": one(pass.inputs[i]), "f": integer(p.f), "delta": one(back.deltaOut[i])]
        case ("dense_forward", let d as Dense): return ["x": one(pass.inputs[i]), "W": d.weights, "b": d.bias]
        case ("dense_backward", let d as Dense): return ["x": one(pass.inputs[i]), "W": d.weights, "delta": one(back.deltaOut[i])]
        case ("relu_backward", _): return ["z": one(pass.outputs[i]), "delta_a": one(back.deltaOut[i + 1])]
        case ("softmax_cross_entropy_delta", _): return ["z": one(pass.outputs[i]), "label": integer(label)]
        default: preconditionFailure("exerciseLayer checked the layer's kind")
        }
    }

    public func exerciseExample() throws -> Phrase {
        let (_, _, label) = try ensureTrace()
        return Phrase("exercise.traced", ["index": .int(settings.int("trace-image")), "label": .int(label), "state": stepState])
    }

    public func exerciseCounts() throws -> [LessonCount] { [.miniBatch(settings.int("batch"))] }
}
