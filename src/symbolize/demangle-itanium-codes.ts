// The code tables of the Itanium C++ ABI's mangling: builtin types, operators, literal suffixes and
// the std:: abbreviations, with the text c++filt prints for each.

export const BUILTIN: Record<string, string> = {
  v: 'void', w: 'wchar_t', b: 'bool', c: 'char', a: 'signed char', h: 'unsigned char', s: 'short',
  t: 'unsigned short', i: 'int', j: 'unsigned int', l: 'long', m: 'unsigned long', x: 'long long',
  y: 'unsigned long long', n: '__int128', o: 'unsigned __int128', f: 'float', d: 'double',
  e: 'long double', g: '__float128', z: '...',
};
export const BUILTIN_D: Record<string, string> = {
  d: 'decimal64', e: 'decimal128', f: 'decimal32', h: 'half', i: 'char32_t', s: 'char16_t',
  u: 'char8_t', a: 'auto', c: 'decltype(auto)', n: 'decltype(nullptr)',
};
/** Literal suffixes c++filt prints for integer types ("5u", "5ul"); other types get a cast. */
export const LITERAL_SUFFIX: Record<string, string> = { i: '', j: 'u', l: 'l', m: 'ul', x: 'll', y: 'ull' };

// Operator codes: printed name and arity (for expressions).
export const OPS: Record<string, [string, number]> = {
  nw: ['new', 3], na: ['new[]', 3], dl: ['delete', 1], da: ['delete[]', 1], ps: ['+', 1], ng: ['-', 1],
  ad: ['&', 1], de: ['*', 1], co: ['~', 1], pl: ['+', 2], mi: ['-', 2], ml: ['*', 2], dv: ['/', 2],
  rm: ['%', 2], an: ['&', 2], or: ['|', 2], eo: ['^', 2], aS: ['=', 2], pL: ['+=', 2], mI: ['-=', 2],
  mL: ['*=', 2], dV: ['/=', 2], rM: ['%=', 2], aN: ['&=', 2], oR: ['|=', 2], eO: ['^=', 2],
  ls: ['<<', 2], rs: ['>>', 2], lS: ['<<=', 2], rS: ['>>=', 2], eq: ['==', 2], ne: ['!=', 2],
  lt: ['<', 2], gt: ['>', 2], le: ['<=', 2], ge: ['>=', 2], ss: ['<=>', 2], nt: ['!', 1],
  aa: ['&&', 2], oo: ['||', 2], pp: ['++', 1], mm: ['--', 1], cm: [',', 2], pm: ['->*', 2],
  pt: ['->', 2], cl: ['()', 2], ix: ['[]', 2], qu: ['?', 3], st: ['sizeof ', 1], sz: ['sizeof ', 1],
  at: ['alignof ', 1], az: ['alignof ', 1], aw: ['co_await', 1], dt: ['.', 2], ds: ['.*', 2],
  tw: ['throw ', 1],
};

export const STD_SUBS: Record<string, [string, string | undefined]> = {
  t: ['std', undefined],
  a: ['std::allocator', 'allocator'],
  b: ['std::basic_string', 'basic_string'],
  s: ['std::basic_string<char, std::char_traits<char>, std::allocator<char> >', 'basic_string'],
  i: ['std::basic_istream<char, std::char_traits<char> >', 'basic_istream'],
  o: ['std::basic_ostream<char, std::char_traits<char> >', 'basic_ostream'],
  d: ['std::basic_iostream<char, std::char_traits<char> >', 'basic_iostream'],
};
