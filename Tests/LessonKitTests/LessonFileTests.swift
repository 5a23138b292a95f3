// The lesson file reader: what it accepts, and the file:line errors for what it does not.
import Testing
@testable import LessonKit

let goodLesson = """
# Title

Intro text.

```settings
engine: letters   # which engine
seed: 3
```

## First
Narrative one.
```python
print("an ordinary code block is narrative")
```
```step
show-data
```

## Second
```step
train name=fit
```
"""

@Test func readsTitleSettingsAndSteps() throws {
    let f = try LessonFile.parse(goodLesson, path: "good.md")
    #expect(f.title == "Title")
    #expect(f.introduction == "Intro text.")
    #expect(f.settings.map(\.key) == ["engine", "seed"])
    #expect(f.settings[1] == RawSetting(key: "seed", value: "3", line: 7))
    #expect(f.steps.map(\.name) == ["show-data", "fit"])
    #expect(f.steps[0].narrative.contains("an ordinary code block is narrative"))
    #expect(f.steps[1].action == "train")
    let (engine, settings) = try LessonRunner.prepare(f)
    #expect(engine.name == "letters")
    #expect(settings.int("seed") == 3 && settings.int("epochs") == 100)
}

@Test(arguments: [
    ("", "bad.md: the lesson file is empty"),
    ("# T\n```settings\nengine: letters\n", "bad.md:2: this ``` code fence is never closed"),
    ("# T\n```settings\nengine: letters\n```\n", "bad.md: no steps"),
    ("# T\n## S\n```step\nshow-data\n```\n", "bad.md: no ```settings block"),
    ("# T\n```settings\nengine: letters\nspeed: 3\n```\n## S\n```step\nshow-data\n```\n", "bad.md:4: unknown setting \"speed\""),
    ("# T\n```settings\nengine: letters\nseed 3\n```\n## S\n```step\nshow-data\n```\n", "bad.md:4: \"seed 3\" is not a setting"),
    ("# T\n```settings\nengine: letters\n```\n## S\n```step\nfly\n```\n", "bad.md:7: unknown action \"fly\""),
    ("# T\n```settings\nengine: letters\n```\n## S\ntext\n", "bad.md:5: section \"S\" has no ```step block"),
    ("# T\n```settings\nengine: magic\n```\n## S\n```step\nfly\n```\n", "bad.md:3: unknown engine \"magic\""),
    ("# T\n```settings\nengine: letters\nlearning-rate: 0\n```\n## S\n```step\ntrain\n```\n", "bad.md:4: learning-rate must be greater than 0"),
    ("# T\n```settings\nengine: letters\nlearning-rate: inf\n```\n## S\n```step\ntrain\n```\n", "bad.md:4: learning-rate must be a finite number"),
    ("# T\n```settings\nseed: 1\n```\n## S\n```step\ntrain\n```\n", "the required setting \"engine\" is missing"),
    // Issue 36: two network blocks were joined without a word.
    ("# T\n```settings\nengine: cnn\n```\n```network\nflatten: flatten\n```\n```network\nd: dense out=10\n```\n## S\n```step\ntrain\n```\n",
     "bad.md:8: a second ```network block (the first is at line 5)"),
])
func malformedFilesNameTheLine(text: String, message: String) {
    do {
        let f = try LessonFile.parse(text, path: "bad.md")
        _ = try LessonRunner.prepare(f)
        Issue.record("accepted a malformed file; expected \(message)")
    } catch {
        #expect("\(error)".hasPrefix(message) || "\(error)".contains(message), "got: \(error)")
    }
}

@Test func shippedLessonFilesAreValid() throws {
    let library = LessonLibrary(directory: repositoryRoot.appendingPathComponent("Lessons"))
    #expect(library.entries().map(\.url.lastPathComponent) == ["01-digits.md", "02-letters.md", "03-cnn.md"])
    for e in library.entries() {
        _ = try LessonRunner.prepare(try LessonFile.load(e.url))
    }
}

/// Issue 36, poor list: a lesson of 100,000 steps is read whole, each name checked against the others
/// (once in a set of names: checking each against a list of the ones before took 27.6 s for `lesson
/// steps`, quadratic; this file is read in about a second), and a repeated name is still refused.
@Test func aHundredThousandStepsAreRead() throws {
    var text = "# T\n```settings\nengine: letters\n```\n"
    for i in 0..<100_000 { text += "## S\(i)\n```step\nshow-data name=s\(i)\n```\n" }
    let file = try LessonFile.parse(text, path: "big.md")
    #expect(file.steps.count == 100_000 && file.steps.last?.name == "s99999")
    do {
        _ = try LessonFile.parse(text + "## again\n```step\nshow-data name=s5\n```\n", path: "big.md")
        Issue.record("a repeated step name was accepted")
    } catch {
        #expect("\(error)".contains("a step named \"s5\" already exists"), "\(error)")
    }
}
