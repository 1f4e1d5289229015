// A small placeholder engine for the pages in html/. It escapes by default, by context:
// the compiler follows the HTML around each placeholder and fixes its escaping once, at
// start-up. There is no raw insertion at all: a template cannot emit unescaped data.
//
//   {{name}}              a value, escaped for where it stands:
//                           text or a quoted attribute  -> HTML entities
//                           href/src/poster/action="" and any *-url="" attribute
//                                                       -> the same, and only http(s) or
//                                                          relative URLs (else about:invalid)
//                           inside <script>             -> a JSON string literal
//                         anywhere else (inside a tag, an unquoted attribute, an on*= or
//                         style= attribute, <style>, a comment) it is a compile error.
//   {{#name}}…{{/name}}   the block when the value is not empty
//   {{^name}}…{{/name}}   the block when the value is empty
//   {{*list}}…{{/list}}   the block once per row of `list`, in which {{.field}} (and
//                         {{#.field}}, {{^.field}}) is that row's value of "list.field";
//                         it begins and ends in the same HTML context, so every row does
//   {{! note }}           a comment, dropped
//   {{> _part.html}}      the text of another template file, in place (before compiling,
//                         so its placeholders are checked in the context they land in)
#pragma once
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace watch {

struct TemplateError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class Template {
   public:
    // Returns the source of an included template, or throws TemplateError.
    using Loader = std::function<std::string(const std::string& name)>;

    // Compiles `source`. Throws TemplateError ("name:line: why", naming the included file
    // where the problem is in one) for an unknown name (not in `names`), a misplaced
    // placeholder, an unbalanced block, or an include `load` cannot find. Each name is
    // resolved here to its position in `names`, which is where render() finds its value.
    // A list "tracks" with fields "src" and "lang" is named "tracks", "tracks.src",
    // "tracks.lang": its cells come in the order its fields' names come in `names`.
    static Template compile(std::string_view name, std::string_view source, const std::vector<std::string>& names,
                            const Loader& load = nullptr);
    // A list's rows: `count` rows of as many cells as the list has fields, row after row.
    struct Rows {
        const std::string_view* cells = nullptr;
        size_t count = 0;
    };
    // Values by position, in the order of the names given to compile(): `count` must be
    // their number (std::logic_error otherwise); `lists`, when given, has as many entries,
    // read at the positions of lists. The strings need only live for the call. Saves
    // building a map for every page.
    std::string render(const std::string_view* values, size_t count, const Rows* lists = nullptr) const;

    enum class Context { Text, Url, Script };

   private:
    struct Compiler;
    struct Node {
        enum class Kind { Literal, Value, Open, OpenInverted, Each, Close } kind;
        std::string text;  // literal text (empty for the others)
        Context context = Context::Text;
        size_t slot = 0;    // for Value/Open/OpenInverted/Each/Close: the name's position
        size_t close = 0;   // for Open/OpenInverted/Each: index of the matching Close
        bool cell = false;  // `slot` is a field's place in its list's row, not a name's
        size_t fields = 0;  // for Each: the list's fields (cells per row)
    };
    void render_nodes(std::string& out, size_t begin, size_t end, const std::string_view* values, const Rows* lists,
                      const std::string_view* row) const;
    std::vector<std::string> names_;
    std::vector<Node> nodes_;
    size_t literal_bytes_ = 0;  // what every rendering holds besides the values
};

// The templates compiled into the binary (generated from html/ by tools/embed-templates).
struct BuiltinTemplate {
    const char* name;
    const char* source;
};
const std::vector<BuiltinTemplate>& builtin_templates();

}  // namespace watch
