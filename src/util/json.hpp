// A small streaming JSON writer for --json outputs: objects, arrays, strings,
// integers, numbers, booleans and null, with commas placed for the caller.
// Strings are escaped per RFC 8259; bytes that are not valid UTF-8 (argv and
// file names may hold any byte) become U+FFFD so that the output always parses.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace fleche {

// `text` as a JSON string literal, quotes included.
std::string json_quote(std::string_view text);
// ["a","b"]
std::string json_strings(const std::vector<std::string> &items);

class JsonWriter {
  public:
    JsonWriter &begin_object();
    JsonWriter &end_object();
    JsonWriter &begin_array();
    JsonWriter &end_array();
    // The name of the next member of the current object.
    JsonWriter &key(std::string_view name);
    JsonWriter &value(std::string_view text);
    JsonWriter &value(const char *text) { return value(std::string_view(text)); }
    JsonWriter &value(int64_t number);
    JsonWriter &value(int number) { return value(int64_t(number)); }
    JsonWriter &value(uint64_t number);
    JsonWriter &value(double number);
    JsonWriter &value(bool flag);
    JsonWriter &null();

    // The document, with a final newline.
    std::string str() const { return out_ + "\n"; }

  private:
    void separate();
    std::string out_;
    std::vector<bool> first_; // per open container: nothing written in it yet
    bool after_key_ = false;
};

} // namespace fleche
