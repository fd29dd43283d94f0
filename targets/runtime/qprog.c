/*
 * The .qprog loader and runner (docs/qprog.md is the format; qcc_program.h the API).
 *
 * qcc_qprog_open validates a whole file before anything runs: every field is
 * read with byte loads from inside [bytes, bytes + size), every offset and
 * size is checked against its section with overflow-safe arithmetic, and
 * every call goes through qcc_call_check with what the file says about its
 * buffers. Nothing here allocates.
 */
#include "qcc_program.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define HEADER_BYTES 112u
#define TENSOR_BYTES 112u
#define CALL_HEADER_BYTES 24u
#define BUFFER_REF_BYTES 16u
#define ABSENT_TENSOR 0xFFFFFFFFu
#define NAME_LIMIT 200 /* characters of a name quoted in a message */

enum { KIND_INPUT = 1, KIND_OUTPUT = 2, KIND_CONSTANT = 3, KIND_ARENA = 4 };

/* ---- little-endian field reads (any alignment) ---- */

static uint32_t rd32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p) { return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32; }

static float rdf32(const uint8_t *p) {
    uint32_t bits = rd32(p);
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

/* ---- messages ---- */

#if defined(__GNUC__) || defined(__clang__)
__attribute__((format(printf, 3, 4)))
#endif
static int fail(char *error, size_t error_size, const char *format, ...) {
    if (error && error_size > 0) {
        va_list args;
        int n = snprintf(error, error_size, "qprog: ");
        if (n < 0) n = 0;
        if ((size_t)n < error_size) {
            va_start(args, format);
            vsnprintf(error + n, error_size - (size_t)n, format, args);
            va_end(args);
        }
    }
    return -1;
}

typedef unsigned long long ull;

/* ---- CRC-32 (zlib's: reflected 0xEDB88320, initial and final complement) ---- */

static const uint32_t crc_table[8][256] = {
    {
        0x00000000u, 0x77073096u, 0xee0e612cu, 0x990951bau, 0x076dc419u, 0x706af48fu, 
        0xe963a535u, 0x9e6495a3u, 0x0edb8832u, 0x79dcb8a4u, 0xe0d5e91eu, 0x97d2d988u, 
        0x09b64c2bu, 0x7eb17cbdu, 0xe7b82d07u, 0x90bf1d91u, 0x1db71064u, 0x6ab020f2u, 
        0xf3b97148u, 0x84be41deu, 0x1adad47du, 0x6ddde4ebu, 0xf4d4b551u, 0x83d385c7u, 
        0x136c9856u, 0x646ba8c0u, 0xfd62f97au, 0x8a65c9ecu, 0x14015c4fu, 0x63066cd9u, 
        0xfa0f3d63u, 0x8d080df5u, 0x3b6e20c8u, 0x4c69105eu, 0xd56041e4u, 0xa2677172u, 
        0x3c03e4d1u, 0x4b04d447u, 0xd20d85fdu, 0xa50ab56bu, 0x35b5a8fau, 0x42b2986cu, 
        0xdbbbc9d6u, 0xacbcf940u, 0x32d86ce3u, 0x45df5c75u, 0xdcd60dcfu, 0xabd13d59u, 
        0x26d930acu, 0x51de003au, 0xc8d75180u, 0xbfd06116u, 0x21b4f4b5u, 0x56b3c423u, 
        0xcfba9599u, 0xb8bda50fu, 0x2802b89eu, 0x5f058808u, 0xc60cd9b2u, 0xb10be924u, 
        0x2f6f7c87u, 0x58684c11u, 0xc1611dabu, 0xb6662d3du, 0x76dc4190u, 0x01db7106u, 
        0x98d220bcu, 0xefd5102au, 0x71b18589u, 0x06b6b51fu, 0x9fbfe4a5u, 0xe8b8d433u, 
        0x7807c9a2u, 0x0f00f934u, 0x9609a88eu, 0xe10e9818u, 0x7f6a0dbbu, 0x086d3d2du, 
        0x91646c97u, 0xe6635c01u, 0x6b6b51f4u, 0x1c6c6162u, 0x856530d8u, 0xf262004eu, 
        0x6c0695edu, 0x1b01a57bu, 0x8208f4c1u, 0xf50fc457u, 0x65b0d9c6u, 0x12b7e950u, 
        0x8bbeb8eau, 0xfcb9887cu, 0x62dd1ddfu, 0x15da2d49u, 0x8cd37cf3u, 0xfbd44c65u, 
        0x4db26158u, 0x3ab551ceu, 0xa3bc0074u, 0xd4bb30e2u, 0x4adfa541u, 0x3dd895d7u, 
        0xa4d1c46du, 0xd3d6f4fbu, 0x4369e96au, 0x346ed9fcu, 0xad678846u, 0xda60b8d0u, 
        0x44042d73u, 0x33031de5u, 0xaa0a4c5fu, 0xdd0d7cc9u, 0x5005713cu, 0x270241aau, 
        0xbe0b1010u, 0xc90c2086u, 0x5768b525u, 0x206f85b3u, 0xb966d409u, 0xce61e49fu, 
        0x5edef90eu, 0x29d9c998u, 0xb0d09822u, 0xc7d7a8b4u, 0x59b33d17u, 0x2eb40d81u, 
        0xb7bd5c3bu, 0xc0ba6cadu, 0xedb88320u, 0x9abfb3b6u, 0x03b6e20cu, 0x74b1d29au, 
        0xead54739u, 0x9dd277afu, 0x04db2615u, 0x73dc1683u, 0xe3630b12u, 0x94643b84u, 
        0x0d6d6a3eu, 0x7a6a5aa8u, 0xe40ecf0bu, 0x9309ff9du, 0x0a00ae27u, 0x7d079eb1u, 
        0xf00f9344u, 0x8708a3d2u, 0x1e01f268u, 0x6906c2feu, 0xf762575du, 0x806567cbu, 
        0x196c3671u, 0x6e6b06e7u, 0xfed41b76u, 0x89d32be0u, 0x10da7a5au, 0x67dd4accu, 
        0xf9b9df6fu, 0x8ebeeff9u, 0x17b7be43u, 0x60b08ed5u, 0xd6d6a3e8u, 0xa1d1937eu, 
        0x38d8c2c4u, 0x4fdff252u, 0xd1bb67f1u, 0xa6bc5767u, 0x3fb506ddu, 0x48b2364bu, 
        0xd80d2bdau, 0xaf0a1b4cu, 0x36034af6u, 0x41047a60u, 0xdf60efc3u, 0xa867df55u, 
        0x316e8eefu, 0x4669be79u, 0xcb61b38cu, 0xbc66831au, 0x256fd2a0u, 0x5268e236u, 
        0xcc0c7795u, 0xbb0b4703u, 0x220216b9u, 0x5505262fu, 0xc5ba3bbeu, 0xb2bd0b28u, 
        0x2bb45a92u, 0x5cb36a04u, 0xc2d7ffa7u, 0xb5d0cf31u, 0x2cd99e8bu, 0x5bdeae1du, 
        0x9b64c2b0u, 0xec63f226u, 0x756aa39cu, 0x026d930au, 0x9c0906a9u, 0xeb0e363fu, 
        0x72076785u, 0x05005713u, 0x95bf4a82u, 0xe2b87a14u, 0x7bb12baeu, 0x0cb61b38u, 
        0x92d28e9bu, 0xe5d5be0du, 0x7cdcefb7u, 0x0bdbdf21u, 0x86d3d2d4u, 0xf1d4e242u, 
        0x68ddb3f8u, 0x1fda836eu, 0x81be16cdu, 0xf6b9265bu, 0x6fb077e1u, 0x18b74777u, 
        0x88085ae6u, 0xff0f6a70u, 0x66063bcau, 0x11010b5cu, 0x8f659effu, 0xf862ae69u, 
        0x616bffd3u, 0x166ccf45u, 0xa00ae278u, 0xd70dd2eeu, 0x4e048354u, 0x3903b3c2u, 
        0xa7672661u, 0xd06016f7u, 0x4969474du, 0x3e6e77dbu, 0xaed16a4au, 0xd9d65adcu, 
        0x40df0b66u, 0x37d83bf0u, 0xa9bcae53u, 0xdebb9ec5u, 0x47b2cf7fu, 0x30b5ffe9u, 
        0xbdbdf21cu, 0xcabac28au, 0x53b39330u, 0x24b4a3a6u, 0xbad03605u, 0xcdd70693u, 
        0x54de5729u, 0x23d967bfu, 0xb3667a2eu, 0xc4614ab8u, 0x5d681b02u, 0x2a6f2b94u, 
        0xb40bbe37u, 0xc30c8ea1u, 0x5a05df1bu, 0x2d02ef8du},
    {
        0x00000000u, 0x191b3141u, 0x32366282u, 0x2b2d53c3u, 0x646cc504u, 0x7d77f445u, 
        0x565aa786u, 0x4f4196c7u, 0xc8d98a08u, 0xd1c2bb49u, 0xfaefe88au, 0xe3f4d9cbu, 
        0xacb54f0cu, 0xb5ae7e4du, 0x9e832d8eu, 0x87981ccfu, 0x4ac21251u, 0x53d92310u, 
        0x78f470d3u, 0x61ef4192u, 0x2eaed755u, 0x37b5e614u, 0x1c98b5d7u, 0x05838496u, 
        0x821b9859u, 0x9b00a918u, 0xb02dfadbu, 0xa936cb9au, 0xe6775d5du, 0xff6c6c1cu, 
        0xd4413fdfu, 0xcd5a0e9eu, 0x958424a2u, 0x8c9f15e3u, 0xa7b24620u, 0xbea97761u, 
        0xf1e8e1a6u, 0xe8f3d0e7u, 0xc3de8324u, 0xdac5b265u, 0x5d5daeaau, 0x44469febu, 
        0x6f6bcc28u, 0x7670fd69u, 0x39316baeu, 0x202a5aefu, 0x0b07092cu, 0x121c386du, 
        0xdf4636f3u, 0xc65d07b2u, 0xed705471u, 0xf46b6530u, 0xbb2af3f7u, 0xa231c2b6u, 
        0x891c9175u, 0x9007a034u, 0x179fbcfbu, 0x0e848dbau, 0x25a9de79u, 0x3cb2ef38u, 
        0x73f379ffu, 0x6ae848beu, 0x41c51b7du, 0x58de2a3cu, 0xf0794f05u, 0xe9627e44u, 
        0xc24f2d87u, 0xdb541cc6u, 0x94158a01u, 0x8d0ebb40u, 0xa623e883u, 0xbf38d9c2u, 
        0x38a0c50du, 0x21bbf44cu, 0x0a96a78fu, 0x138d96ceu, 0x5ccc0009u, 0x45d73148u, 
        0x6efa628bu, 0x77e153cau, 0xbabb5d54u, 0xa3a06c15u, 0x888d3fd6u, 0x91960e97u, 
        0xded79850u, 0xc7cca911u, 0xece1fad2u, 0xf5facb93u, 0x7262d75cu, 0x6b79e61du, 
        0x4054b5deu, 0x594f849fu, 0x160e1258u, 0x0f152319u, 0x243870dau, 0x3d23419bu, 
        0x65fd6ba7u, 0x7ce65ae6u, 0x57cb0925u, 0x4ed03864u, 0x0191aea3u, 0x188a9fe2u, 
        0x33a7cc21u, 0x2abcfd60u, 0xad24e1afu, 0xb43fd0eeu, 0x9f12832du, 0x8609b26cu, 
        0xc94824abu, 0xd05315eau, 0xfb7e4629u, 0xe2657768u, 0x2f3f79f6u, 0x362448b7u, 
        0x1d091b74u, 0x04122a35u, 0x4b53bcf2u, 0x52488db3u, 0x7965de70u, 0x607eef31u, 
        0xe7e6f3feu, 0xfefdc2bfu, 0xd5d0917cu, 0xcccba03du, 0x838a36fau, 0x9a9107bbu, 
        0xb1bc5478u, 0xa8a76539u, 0x3b83984bu, 0x2298a90au, 0x09b5fac9u, 0x10aecb88u, 
        0x5fef5d4fu, 0x46f46c0eu, 0x6dd93fcdu, 0x74c20e8cu, 0xf35a1243u, 0xea412302u, 
        0xc16c70c1u, 0xd8774180u, 0x9736d747u, 0x8e2de606u, 0xa500b5c5u, 0xbc1b8484u, 
        0x71418a1au, 0x685abb5bu, 0x4377e898u, 0x5a6cd9d9u, 0x152d4f1eu, 0x0c367e5fu, 
        0x271b2d9cu, 0x3e001cddu, 0xb9980012u, 0xa0833153u, 0x8bae6290u, 0x92b553d1u, 
        0xddf4c516u, 0xc4eff457u, 0xefc2a794u, 0xf6d996d5u, 0xae07bce9u, 0xb71c8da8u, 
        0x9c31de6bu, 0x852aef2au, 0xca6b79edu, 0xd37048acu, 0xf85d1b6fu, 0xe1462a2eu, 
        0x66de36e1u, 0x7fc507a0u, 0x54e85463u, 0x4df36522u, 0x02b2f3e5u, 0x1ba9c2a4u, 
        0x30849167u, 0x299fa026u, 0xe4c5aeb8u, 0xfdde9ff9u, 0xd6f3cc3au, 0xcfe8fd7bu, 
        0x80a96bbcu, 0x99b25afdu, 0xb29f093eu, 0xab84387fu, 0x2c1c24b0u, 0x350715f1u, 
        0x1e2a4632u, 0x07317773u, 0x4870e1b4u, 0x516bd0f5u, 0x7a468336u, 0x635db277u, 
        0xcbfad74eu, 0xd2e1e60fu, 0xf9ccb5ccu, 0xe0d7848du, 0xaf96124au, 0xb68d230bu, 
        0x9da070c8u, 0x84bb4189u, 0x03235d46u, 0x1a386c07u, 0x31153fc4u, 0x280e0e85u, 
        0x674f9842u, 0x7e54a903u, 0x5579fac0u, 0x4c62cb81u, 0x8138c51fu, 0x9823f45eu, 
        0xb30ea79du, 0xaa1596dcu, 0xe554001bu, 0xfc4f315au, 0xd7626299u, 0xce7953d8u, 
        0x49e14f17u, 0x50fa7e56u, 0x7bd72d95u, 0x62cc1cd4u, 0x2d8d8a13u, 0x3496bb52u, 
        0x1fbbe891u, 0x06a0d9d0u, 0x5e7ef3ecu, 0x4765c2adu, 0x6c48916eu, 0x7553a02fu, 
        0x3a1236e8u, 0x230907a9u, 0x0824546au, 0x113f652bu, 0x96a779e4u, 0x8fbc48a5u, 
        0xa4911b66u, 0xbd8a2a27u, 0xf2cbbce0u, 0xebd08da1u, 0xc0fdde62u, 0xd9e6ef23u, 
        0x14bce1bdu, 0x0da7d0fcu, 0x268a833fu, 0x3f91b27eu, 0x70d024b9u, 0x69cb15f8u, 
        0x42e6463bu, 0x5bfd777au, 0xdc656bb5u, 0xc57e5af4u, 0xee530937u, 0xf7483876u, 
        0xb809aeb1u, 0xa1129ff0u, 0x8a3fcc33u, 0x9324fd72u},
    {
        0x00000000u, 0x01c26a37u, 0x0384d46eu, 0x0246be59u, 0x0709a8dcu, 0x06cbc2ebu, 
        0x048d7cb2u, 0x054f1685u, 0x0e1351b8u, 0x0fd13b8fu, 0x0d9785d6u, 0x0c55efe1u, 
        0x091af964u, 0x08d89353u, 0x0a9e2d0au, 0x0b5c473du, 0x1c26a370u, 0x1de4c947u, 
        0x1fa2771eu, 0x1e601d29u, 0x1b2f0bacu, 0x1aed619bu, 0x18abdfc2u, 0x1969b5f5u, 
        0x1235f2c8u, 0x13f798ffu, 0x11b126a6u, 0x10734c91u, 0x153c5a14u, 0x14fe3023u, 
        0x16b88e7au, 0x177ae44du, 0x384d46e0u, 0x398f2cd7u, 0x3bc9928eu, 0x3a0bf8b9u, 
        0x3f44ee3cu, 0x3e86840bu, 0x3cc03a52u, 0x3d025065u, 0x365e1758u, 0x379c7d6fu, 
        0x35dac336u, 0x3418a901u, 0x3157bf84u, 0x3095d5b3u, 0x32d36beau, 0x331101ddu, 
        0x246be590u, 0x25a98fa7u, 0x27ef31feu, 0x262d5bc9u, 0x23624d4cu, 0x22a0277bu, 
        0x20e69922u, 0x2124f315u, 0x2a78b428u, 0x2bbade1fu, 0x29fc6046u, 0x283e0a71u, 
        0x2d711cf4u, 0x2cb376c3u, 0x2ef5c89au, 0x2f37a2adu, 0x709a8dc0u, 0x7158e7f7u, 
        0x731e59aeu, 0x72dc3399u, 0x7793251cu, 0x76514f2bu, 0x7417f172u, 0x75d59b45u, 
        0x7e89dc78u, 0x7f4bb64fu, 0x7d0d0816u, 0x7ccf6221u, 0x798074a4u, 0x78421e93u, 
        0x7a04a0cau, 0x7bc6cafdu, 0x6cbc2eb0u, 0x6d7e4487u, 0x6f38fadeu, 0x6efa90e9u, 
        0x6bb5866cu, 0x6a77ec5bu, 0x68315202u, 0x69f33835u, 0x62af7f08u, 0x636d153fu, 
        0x612bab66u, 0x60e9c151u, 0x65a6d7d4u, 0x6464bde3u, 0x662203bau, 0x67e0698du, 
        0x48d7cb20u, 0x4915a117u, 0x4b531f4eu, 0x4a917579u, 0x4fde63fcu, 0x4e1c09cbu, 
        0x4c5ab792u, 0x4d98dda5u, 0x46c49a98u, 0x4706f0afu, 0x45404ef6u, 0x448224c1u, 
        0x41cd3244u, 0x400f5873u, 0x4249e62au, 0x438b8c1du, 0x54f16850u, 0x55330267u, 
        0x5775bc3eu, 0x56b7d609u, 0x53f8c08cu, 0x523aaabbu, 0x507c14e2u, 0x51be7ed5u, 
        0x5ae239e8u, 0x5b2053dfu, 0x5966ed86u, 0x58a487b1u, 0x5deb9134u, 0x5c29fb03u, 
        0x5e6f455au, 0x5fad2f6du, 0xe1351b80u, 0xe0f771b7u, 0xe2b1cfeeu, 0xe373a5d9u, 
        0xe63cb35cu, 0xe7fed96bu, 0xe5b86732u, 0xe47a0d05u, 0xef264a38u, 0xeee4200fu, 
        0xeca29e56u, 0xed60f461u, 0xe82fe2e4u, 0xe9ed88d3u, 0xebab368au, 0xea695cbdu, 
        0xfd13b8f0u, 0xfcd1d2c7u, 0xfe976c9eu, 0xff5506a9u, 0xfa1a102cu, 0xfbd87a1bu, 
        0xf99ec442u, 0xf85cae75u, 0xf300e948u, 0xf2c2837fu, 0xf0843d26u, 0xf1465711u, 
        0xf4094194u, 0xf5cb2ba3u, 0xf78d95fau, 0xf64fffcdu, 0xd9785d60u, 0xd8ba3757u, 
        0xdafc890eu, 0xdb3ee339u, 0xde71f5bcu, 0xdfb39f8bu, 0xddf521d2u, 0xdc374be5u, 
        0xd76b0cd8u, 0xd6a966efu, 0xd4efd8b6u, 0xd52db281u, 0xd062a404u, 0xd1a0ce33u, 
        0xd3e6706au, 0xd2241a5du, 0xc55efe10u, 0xc49c9427u, 0xc6da2a7eu, 0xc7184049u, 
        0xc25756ccu, 0xc3953cfbu, 0xc1d382a2u, 0xc011e895u, 0xcb4dafa8u, 0xca8fc59fu, 
        0xc8c97bc6u, 0xc90b11f1u, 0xcc440774u, 0xcd866d43u, 0xcfc0d31au, 0xce02b92du, 
        0x91af9640u, 0x906dfc77u, 0x922b422eu, 0x93e92819u, 0x96a63e9cu, 0x976454abu, 
        0x9522eaf2u, 0x94e080c5u, 0x9fbcc7f8u, 0x9e7eadcfu, 0x9c381396u, 0x9dfa79a1u, 
        0x98b56f24u, 0x99770513u, 0x9b31bb4au, 0x9af3d17du, 0x8d893530u, 0x8c4b5f07u, 
        0x8e0de15eu, 0x8fcf8b69u, 0x8a809decu, 0x8b42f7dbu, 0x89044982u, 0x88c623b5u, 
        0x839a6488u, 0x82580ebfu, 0x801eb0e6u, 0x81dcdad1u, 0x8493cc54u, 0x8551a663u, 
        0x8717183au, 0x86d5720du, 0xa9e2d0a0u, 0xa820ba97u, 0xaa6604ceu, 0xaba46ef9u, 
        0xaeeb787cu, 0xaf29124bu, 0xad6fac12u, 0xacadc625u, 0xa7f18118u, 0xa633eb2fu, 
        0xa4755576u, 0xa5b73f41u, 0xa0f829c4u, 0xa13a43f3u, 0xa37cfdaau, 0xa2be979du, 
        0xb5c473d0u, 0xb40619e7u, 0xb640a7beu, 0xb782cd89u, 0xb2cddb0cu, 0xb30fb13bu, 
        0xb1490f62u, 0xb08b6555u, 0xbbd72268u, 0xba15485fu, 0xb853f606u, 0xb9919c31u, 
        0xbcde8ab4u, 0xbd1ce083u, 0xbf5a5edau, 0xbe9834edu},
    {
        0x00000000u, 0xb8bc6765u, 0xaa09c88bu, 0x12b5afeeu, 0x8f629757u, 0x37def032u, 
        0x256b5fdcu, 0x9dd738b9u, 0xc5b428efu, 0x7d084f8au, 0x6fbde064u, 0xd7018701u, 
        0x4ad6bfb8u, 0xf26ad8ddu, 0xe0df7733u, 0x58631056u, 0x5019579fu, 0xe8a530fau, 
        0xfa109f14u, 0x42acf871u, 0xdf7bc0c8u, 0x67c7a7adu, 0x75720843u, 0xcdce6f26u, 
        0x95ad7f70u, 0x2d111815u, 0x3fa4b7fbu, 0x8718d09eu, 0x1acfe827u, 0xa2738f42u, 
        0xb0c620acu, 0x087a47c9u, 0xa032af3eu, 0x188ec85bu, 0x0a3b67b5u, 0xb28700d0u, 
        0x2f503869u, 0x97ec5f0cu, 0x8559f0e2u, 0x3de59787u, 0x658687d1u, 0xdd3ae0b4u, 
        0xcf8f4f5au, 0x7733283fu, 0xeae41086u, 0x525877e3u, 0x40edd80du, 0xf851bf68u, 
        0xf02bf8a1u, 0x48979fc4u, 0x5a22302au, 0xe29e574fu, 0x7f496ff6u, 0xc7f50893u, 
        0xd540a77du, 0x6dfcc018u, 0x359fd04eu, 0x8d23b72bu, 0x9f9618c5u, 0x272a7fa0u, 
        0xbafd4719u, 0x0241207cu, 0x10f48f92u, 0xa848e8f7u, 0x9b14583du, 0x23a83f58u, 
        0x311d90b6u, 0x89a1f7d3u, 0x1476cf6au, 0xaccaa80fu, 0xbe7f07e1u, 0x06c36084u, 
        0x5ea070d2u, 0xe61c17b7u, 0xf4a9b859u, 0x4c15df3cu, 0xd1c2e785u, 0x697e80e0u, 
        0x7bcb2f0eu, 0xc377486bu, 0xcb0d0fa2u, 0x73b168c7u, 0x6104c729u, 0xd9b8a04cu, 
        0x446f98f5u, 0xfcd3ff90u, 0xee66507eu, 0x56da371bu, 0x0eb9274du, 0xb6054028u, 
        0xa4b0efc6u, 0x1c0c88a3u, 0x81dbb01au, 0x3967d77fu, 0x2bd27891u, 0x936e1ff4u, 
        0x3b26f703u, 0x839a9066u, 0x912f3f88u, 0x299358edu, 0xb4446054u, 0x0cf80731u, 
        0x1e4da8dfu, 0xa6f1cfbau, 0xfe92dfecu, 0x462eb889u, 0x549b1767u, 0xec277002u, 
        0x71f048bbu, 0xc94c2fdeu, 0xdbf98030u, 0x6345e755u, 0x6b3fa09cu, 0xd383c7f9u, 
        0xc1366817u, 0x798a0f72u, 0xe45d37cbu, 0x5ce150aeu, 0x4e54ff40u, 0xf6e89825u, 
        0xae8b8873u, 0x1637ef16u, 0x048240f8u, 0xbc3e279du, 0x21e91f24u, 0x99557841u, 
        0x8be0d7afu, 0x335cb0cau, 0xed59b63bu, 0x55e5d15eu, 0x47507eb0u, 0xffec19d5u, 
        0x623b216cu, 0xda874609u, 0xc832e9e7u, 0x708e8e82u, 0x28ed9ed4u, 0x9051f9b1u, 
        0x82e4565fu, 0x3a58313au, 0xa78f0983u, 0x1f336ee6u, 0x0d86c108u, 0xb53aa66du, 
        0xbd40e1a4u, 0x05fc86c1u, 0x1749292fu, 0xaff54e4au, 0x322276f3u, 0x8a9e1196u, 
        0x982bbe78u, 0x2097d91du, 0x78f4c94bu, 0xc048ae2eu, 0xd2fd01c0u, 0x6a4166a5u, 
        0xf7965e1cu, 0x4f2a3979u, 0x5d9f9697u, 0xe523f1f2u, 0x4d6b1905u, 0xf5d77e60u, 
        0xe762d18eu, 0x5fdeb6ebu, 0xc2098e52u, 0x7ab5e937u, 0x680046d9u, 0xd0bc21bcu, 
        0x88df31eau, 0x3063568fu, 0x22d6f961u, 0x9a6a9e04u, 0x07bda6bdu, 0xbf01c1d8u, 
        0xadb46e36u, 0x15080953u, 0x1d724e9au, 0xa5ce29ffu, 0xb77b8611u, 0x0fc7e174u, 
        0x9210d9cdu, 0x2aacbea8u, 0x38191146u, 0x80a57623u, 0xd8c66675u, 0x607a0110u, 
        0x72cfaefeu, 0xca73c99bu, 0x57a4f122u, 0xef189647u, 0xfdad39a9u, 0x45115eccu, 
        0x764dee06u, 0xcef18963u, 0xdc44268du, 0x64f841e8u, 0xf92f7951u, 0x41931e34u, 
        0x5326b1dau, 0xeb9ad6bfu, 0xb3f9c6e9u, 0x0b45a18cu, 0x19f00e62u, 0xa14c6907u, 
        0x3c9b51beu, 0x842736dbu, 0x96929935u, 0x2e2efe50u, 0x2654b999u, 0x9ee8defcu, 
        0x8c5d7112u, 0x34e11677u, 0xa9362eceu, 0x118a49abu, 0x033fe645u, 0xbb838120u, 
        0xe3e09176u, 0x5b5cf613u, 0x49e959fdu, 0xf1553e98u, 0x6c820621u, 0xd43e6144u, 
        0xc68bceaau, 0x7e37a9cfu, 0xd67f4138u, 0x6ec3265du, 0x7c7689b3u, 0xc4caeed6u, 
        0x591dd66fu, 0xe1a1b10au, 0xf3141ee4u, 0x4ba87981u, 0x13cb69d7u, 0xab770eb2u, 
        0xb9c2a15cu, 0x017ec639u, 0x9ca9fe80u, 0x241599e5u, 0x36a0360bu, 0x8e1c516eu, 
        0x866616a7u, 0x3eda71c2u, 0x2c6fde2cu, 0x94d3b949u, 0x090481f0u, 0xb1b8e695u, 
        0xa30d497bu, 0x1bb12e1eu, 0x43d23e48u, 0xfb6e592du, 0xe9dbf6c3u, 0x516791a6u, 
        0xccb0a91fu, 0x740cce7au, 0x66b96194u, 0xde0506f1u},
    {
        0x00000000u, 0x3d6029b0u, 0x7ac05360u, 0x47a07ad0u, 0xf580a6c0u, 0xc8e08f70u, 
        0x8f40f5a0u, 0xb220dc10u, 0x30704bc1u, 0x0d106271u, 0x4ab018a1u, 0x77d03111u, 
        0xc5f0ed01u, 0xf890c4b1u, 0xbf30be61u, 0x825097d1u, 0x60e09782u, 0x5d80be32u, 
        0x1a20c4e2u, 0x2740ed52u, 0x95603142u, 0xa80018f2u, 0xefa06222u, 0xd2c04b92u, 
        0x5090dc43u, 0x6df0f5f3u, 0x2a508f23u, 0x1730a693u, 0xa5107a83u, 0x98705333u, 
        0xdfd029e3u, 0xe2b00053u, 0xc1c12f04u, 0xfca106b4u, 0xbb017c64u, 0x866155d4u, 
        0x344189c4u, 0x0921a074u, 0x4e81daa4u, 0x73e1f314u, 0xf1b164c5u, 0xccd14d75u, 
        0x8b7137a5u, 0xb6111e15u, 0x0431c205u, 0x3951ebb5u, 0x7ef19165u, 0x4391b8d5u, 
        0xa121b886u, 0x9c419136u, 0xdbe1ebe6u, 0xe681c256u, 0x54a11e46u, 0x69c137f6u, 
        0x2e614d26u, 0x13016496u, 0x9151f347u, 0xac31daf7u, 0xeb91a027u, 0xd6f18997u, 
        0x64d15587u, 0x59b17c37u, 0x1e1106e7u, 0x23712f57u, 0x58f35849u, 0x659371f9u, 
        0x22330b29u, 0x1f532299u, 0xad73fe89u, 0x9013d739u, 0xd7b3ade9u, 0xead38459u, 
        0x68831388u, 0x55e33a38u, 0x124340e8u, 0x2f236958u, 0x9d03b548u, 0xa0639cf8u, 
        0xe7c3e628u, 0xdaa3cf98u, 0x3813cfcbu, 0x0573e67bu, 0x42d39cabu, 0x7fb3b51bu, 
        0xcd93690bu, 0xf0f340bbu, 0xb7533a6bu, 0x8a3313dbu, 0x0863840au, 0x3503adbau, 
        0x72a3d76au, 0x4fc3fedau, 0xfde322cau, 0xc0830b7au, 0x872371aau, 0xba43581au, 
        0x9932774du, 0xa4525efdu, 0xe3f2242du, 0xde920d9du, 0x6cb2d18du, 0x51d2f83du, 
        0x167282edu, 0x2b12ab5du, 0xa9423c8cu, 0x9422153cu, 0xd3826fecu, 0xeee2465cu, 
        0x5cc29a4cu, 0x61a2b3fcu, 0x2602c92cu, 0x1b62e09cu, 0xf9d2e0cfu, 0xc4b2c97fu, 
        0x8312b3afu, 0xbe729a1fu, 0x0c52460fu, 0x31326fbfu, 0x7692156fu, 0x4bf23cdfu, 
        0xc9a2ab0eu, 0xf4c282beu, 0xb362f86eu, 0x8e02d1deu, 0x3c220dceu, 0x0142247eu, 
        0x46e25eaeu, 0x7b82771eu, 0xb1e6b092u, 0x8c869922u, 0xcb26e3f2u, 0xf646ca42u, 
        0x44661652u, 0x79063fe2u, 0x3ea64532u, 0x03c66c82u, 0x8196fb53u, 0xbcf6d2e3u, 
        0xfb56a833u, 0xc6368183u, 0x74165d93u, 0x49767423u, 0x0ed60ef3u, 0x33b62743u, 
        0xd1062710u, 0xec660ea0u, 0xabc67470u, 0x96a65dc0u, 0x248681d0u, 0x19e6a860u, 
        0x5e46d2b0u, 0x6326fb00u, 0xe1766cd1u, 0xdc164561u, 0x9bb63fb1u, 0xa6d61601u, 
        0x14f6ca11u, 0x2996e3a1u, 0x6e369971u, 0x5356b0c1u, 0x70279f96u, 0x4d47b626u, 
        0x0ae7ccf6u, 0x3787e546u, 0x85a73956u, 0xb8c710e6u, 0xff676a36u, 0xc2074386u, 
        0x4057d457u, 0x7d37fde7u, 0x3a978737u, 0x07f7ae87u, 0xb5d77297u, 0x88b75b27u, 
        0xcf1721f7u, 0xf2770847u, 0x10c70814u, 0x2da721a4u, 0x6a075b74u, 0x576772c4u, 
        0xe547aed4u, 0xd8278764u, 0x9f87fdb4u, 0xa2e7d404u, 0x20b743d5u, 0x1dd76a65u, 
        0x5a7710b5u, 0x67173905u, 0xd537e515u, 0xe857cca5u, 0xaff7b675u, 0x92979fc5u, 
        0xe915e8dbu, 0xd475c16bu, 0x93d5bbbbu, 0xaeb5920bu, 0x1c954e1bu, 0x21f567abu, 
        0x66551d7bu, 0x5b3534cbu, 0xd965a31au, 0xe4058aaau, 0xa3a5f07au, 0x9ec5d9cau, 
        0x2ce505dau, 0x11852c6au, 0x562556bau, 0x6b457f0au, 0x89f57f59u, 0xb49556e9u, 
        0xf3352c39u, 0xce550589u, 0x7c75d999u, 0x4115f029u, 0x06b58af9u, 0x3bd5a349u, 
        0xb9853498u, 0x84e51d28u, 0xc34567f8u, 0xfe254e48u, 0x4c059258u, 0x7165bbe8u, 
        0x36c5c138u, 0x0ba5e888u, 0x28d4c7dfu, 0x15b4ee6fu, 0x521494bfu, 0x6f74bd0fu, 
        0xdd54611fu, 0xe03448afu, 0xa794327fu, 0x9af41bcfu, 0x18a48c1eu, 0x25c4a5aeu, 
        0x6264df7eu, 0x5f04f6ceu, 0xed242adeu, 0xd044036eu, 0x97e479beu, 0xaa84500eu, 
        0x4834505du, 0x755479edu, 0x32f4033du, 0x0f942a8du, 0xbdb4f69du, 0x80d4df2du, 
        0xc774a5fdu, 0xfa148c4du, 0x78441b9cu, 0x4524322cu, 0x028448fcu, 0x3fe4614cu, 
        0x8dc4bd5cu, 0xb0a494ecu, 0xf704ee3cu, 0xca64c78cu},
    {
        0x00000000u, 0xcb5cd3a5u, 0x4dc8a10bu, 0x869472aeu, 0x9b914216u, 0x50cd91b3u, 
        0xd659e31du, 0x1d0530b8u, 0xec53826du, 0x270f51c8u, 0xa19b2366u, 0x6ac7f0c3u, 
        0x77c2c07bu, 0xbc9e13deu, 0x3a0a6170u, 0xf156b2d5u, 0x03d6029bu, 0xc88ad13eu, 
        0x4e1ea390u, 0x85427035u, 0x9847408du, 0x531b9328u, 0xd58fe186u, 0x1ed33223u, 
        0xef8580f6u, 0x24d95353u, 0xa24d21fdu, 0x6911f258u, 0x7414c2e0u, 0xbf481145u, 
        0x39dc63ebu, 0xf280b04eu, 0x07ac0536u, 0xccf0d693u, 0x4a64a43du, 0x81387798u, 
        0x9c3d4720u, 0x57619485u, 0xd1f5e62bu, 0x1aa9358eu, 0xebff875bu, 0x20a354feu, 
        0xa6372650u, 0x6d6bf5f5u, 0x706ec54du, 0xbb3216e8u, 0x3da66446u, 0xf6fab7e3u, 
        0x047a07adu, 0xcf26d408u, 0x49b2a6a6u, 0x82ee7503u, 0x9feb45bbu, 0x54b7961eu, 
        0xd223e4b0u, 0x197f3715u, 0xe82985c0u, 0x23755665u, 0xa5e124cbu, 0x6ebdf76eu, 
        0x73b8c7d6u, 0xb8e41473u, 0x3e7066ddu, 0xf52cb578u, 0x0f580a6cu, 0xc404d9c9u, 
        0x4290ab67u, 0x89cc78c2u, 0x94c9487au, 0x5f959bdfu, 0xd901e971u, 0x125d3ad4u, 
        0xe30b8801u, 0x28575ba4u, 0xaec3290au, 0x659ffaafu, 0x789aca17u, 0xb3c619b2u, 
        0x35526b1cu, 0xfe0eb8b9u, 0x0c8e08f7u, 0xc7d2db52u, 0x4146a9fcu, 0x8a1a7a59u, 
        0x971f4ae1u, 0x5c439944u, 0xdad7ebeau, 0x118b384fu, 0xe0dd8a9au, 0x2b81593fu, 
        0xad152b91u, 0x6649f834u, 0x7b4cc88cu, 0xb0101b29u, 0x36846987u, 0xfdd8ba22u, 
        0x08f40f5au, 0xc3a8dcffu, 0x453cae51u, 0x8e607df4u, 0x93654d4cu, 0x58399ee9u, 
        0xdeadec47u, 0x15f13fe2u, 0xe4a78d37u, 0x2ffb5e92u, 0xa96f2c3cu, 0x6233ff99u, 
        0x7f36cf21u, 0xb46a1c84u, 0x32fe6e2au, 0xf9a2bd8fu, 0x0b220dc1u, 0xc07ede64u, 
        0x46eaaccau, 0x8db67f6fu, 0x90b34fd7u, 0x5bef9c72u, 0xdd7beedcu, 0x16273d79u, 
        0xe7718facu, 0x2c2d5c09u, 0xaab92ea7u, 0x61e5fd02u, 0x7ce0cdbau, 0xb7bc1e1fu, 
        0x31286cb1u, 0xfa74bf14u, 0x1eb014d8u, 0xd5ecc77du, 0x5378b5d3u, 0x98246676u, 
        0x852156ceu, 0x4e7d856bu, 0xc8e9f7c5u, 0x03b52460u, 0xf2e396b5u, 0x39bf4510u, 
        0xbf2b37beu, 0x7477e41bu, 0x6972d4a3u, 0xa22e0706u, 0x24ba75a8u, 0xefe6a60du, 
        0x1d661643u, 0xd63ac5e6u, 0x50aeb748u, 0x9bf264edu, 0x86f75455u, 0x4dab87f0u, 
        0xcb3ff55eu, 0x006326fbu, 0xf135942eu, 0x3a69478bu, 0xbcfd3525u, 0x77a1e680u, 
        0x6aa4d638u, 0xa1f8059du, 0x276c7733u, 0xec30a496u, 0x191c11eeu, 0xd240c24bu, 
        0x54d4b0e5u, 0x9f886340u, 0x828d53f8u, 0x49d1805du, 0xcf45f2f3u, 0x04192156u, 
        0xf54f9383u, 0x3e134026u, 0xb8873288u, 0x73dbe12du, 0x6eded195u, 0xa5820230u, 
        0x2316709eu, 0xe84aa33bu, 0x1aca1375u, 0xd196c0d0u, 0x5702b27eu, 0x9c5e61dbu, 
        0x815b5163u, 0x4a0782c6u, 0xcc93f068u, 0x07cf23cdu, 0xf6999118u, 0x3dc542bdu, 
        0xbb513013u, 0x700de3b6u, 0x6d08d30eu, 0xa65400abu, 0x20c07205u, 0xeb9ca1a0u, 
        0x11e81eb4u, 0xdab4cd11u, 0x5c20bfbfu, 0x977c6c1au, 0x8a795ca2u, 0x41258f07u, 
        0xc7b1fda9u, 0x0ced2e0cu, 0xfdbb9cd9u, 0x36e74f7cu, 0xb0733dd2u, 0x7b2fee77u, 
        0x662adecfu, 0xad760d6au, 0x2be27fc4u, 0xe0beac61u, 0x123e1c2fu, 0xd962cf8au, 
        0x5ff6bd24u, 0x94aa6e81u, 0x89af5e39u, 0x42f38d9cu, 0xc467ff32u, 0x0f3b2c97u, 
        0xfe6d9e42u, 0x35314de7u, 0xb3a53f49u, 0x78f9ececu, 0x65fcdc54u, 0xaea00ff1u, 
        0x28347d5fu, 0xe368aefau, 0x16441b82u, 0xdd18c827u, 0x5b8cba89u, 0x90d0692cu, 
        0x8dd55994u, 0x46898a31u, 0xc01df89fu, 0x0b412b3au, 0xfa1799efu, 0x314b4a4au, 
        0xb7df38e4u, 0x7c83eb41u, 0x6186dbf9u, 0xaada085cu, 0x2c4e7af2u, 0xe712a957u, 
        0x15921919u, 0xdececabcu, 0x585ab812u, 0x93066bb7u, 0x8e035b0fu, 0x455f88aau, 
        0xc3cbfa04u, 0x089729a1u, 0xf9c19b74u, 0x329d48d1u, 0xb4093a7fu, 0x7f55e9dau, 
        0x6250d962u, 0xa90c0ac7u, 0x2f987869u, 0xe4c4abccu},
    {
        0x00000000u, 0xa6770bb4u, 0x979f1129u, 0x31e81a9du, 0xf44f2413u, 0x52382fa7u, 
        0x63d0353au, 0xc5a73e8eu, 0x33ef4e67u, 0x959845d3u, 0xa4705f4eu, 0x020754fau, 
        0xc7a06a74u, 0x61d761c0u, 0x503f7b5du, 0xf64870e9u, 0x67de9cceu, 0xc1a9977au, 
        0xf0418de7u, 0x56368653u, 0x9391b8ddu, 0x35e6b369u, 0x040ea9f4u, 0xa279a240u, 
        0x5431d2a9u, 0xf246d91du, 0xc3aec380u, 0x65d9c834u, 0xa07ef6bau, 0x0609fd0eu, 
        0x37e1e793u, 0x9196ec27u, 0xcfbd399cu, 0x69ca3228u, 0x582228b5u, 0xfe552301u, 
        0x3bf21d8fu, 0x9d85163bu, 0xac6d0ca6u, 0x0a1a0712u, 0xfc5277fbu, 0x5a257c4fu, 
        0x6bcd66d2u, 0xcdba6d66u, 0x081d53e8u, 0xae6a585cu, 0x9f8242c1u, 0x39f54975u, 
        0xa863a552u, 0x0e14aee6u, 0x3ffcb47bu, 0x998bbfcfu, 0x5c2c8141u, 0xfa5b8af5u, 
        0xcbb39068u, 0x6dc49bdcu, 0x9b8ceb35u, 0x3dfbe081u, 0x0c13fa1cu, 0xaa64f1a8u, 
        0x6fc3cf26u, 0xc9b4c492u, 0xf85cde0fu, 0x5e2bd5bbu, 0x440b7579u, 0xe27c7ecdu, 
        0xd3946450u, 0x75e36fe4u, 0xb044516au, 0x16335adeu, 0x27db4043u, 0x81ac4bf7u, 
        0x77e43b1eu, 0xd19330aau, 0xe07b2a37u, 0x460c2183u, 0x83ab1f0du, 0x25dc14b9u, 
        0x14340e24u, 0xb2430590u, 0x23d5e9b7u, 0x85a2e203u, 0xb44af89eu, 0x123df32au, 
        0xd79acda4u, 0x71edc610u, 0x4005dc8du, 0xe672d739u, 0x103aa7d0u, 0xb64dac64u, 
        0x87a5b6f9u, 0x21d2bd4du, 0xe47583c3u, 0x42028877u, 0x73ea92eau, 0xd59d995eu, 
        0x8bb64ce5u, 0x2dc14751u, 0x1c295dccu, 0xba5e5678u, 0x7ff968f6u, 0xd98e6342u, 
        0xe86679dfu, 0x4e11726bu, 0xb8590282u, 0x1e2e0936u, 0x2fc613abu, 0x89b1181fu, 
        0x4c162691u, 0xea612d25u, 0xdb8937b8u, 0x7dfe3c0cu, 0xec68d02bu, 0x4a1fdb9fu, 
        0x7bf7c102u, 0xdd80cab6u, 0x1827f438u, 0xbe50ff8cu, 0x8fb8e511u, 0x29cfeea5u, 
        0xdf879e4cu, 0x79f095f8u, 0x48188f65u, 0xee6f84d1u, 0x2bc8ba5fu, 0x8dbfb1ebu, 
        0xbc57ab76u, 0x1a20a0c2u, 0x8816eaf2u, 0x2e61e146u, 0x1f89fbdbu, 0xb9fef06fu, 
        0x7c59cee1u, 0xda2ec555u, 0xebc6dfc8u, 0x4db1d47cu, 0xbbf9a495u, 0x1d8eaf21u, 
        0x2c66b5bcu, 0x8a11be08u, 0x4fb68086u, 0xe9c18b32u, 0xd82991afu, 0x7e5e9a1bu, 
        0xefc8763cu, 0x49bf7d88u, 0x78576715u, 0xde206ca1u, 0x1b87522fu, 0xbdf0599bu, 
        0x8c184306u, 0x2a6f48b2u, 0xdc27385bu, 0x7a5033efu, 0x4bb82972u, 0xedcf22c6u, 
        0x28681c48u, 0x8e1f17fcu, 0xbff70d61u, 0x198006d5u, 0x47abd36eu, 0xe1dcd8dau, 
        0xd034c247u, 0x7643c9f3u, 0xb3e4f77du, 0x1593fcc9u, 0x247be654u, 0x820cede0u, 
        0x74449d09u, 0xd23396bdu, 0xe3db8c20u, 0x45ac8794u, 0x800bb91au, 0x267cb2aeu, 
        0x1794a833u, 0xb1e3a387u, 0x20754fa0u, 0x86024414u, 0xb7ea5e89u, 0x119d553du, 
        0xd43a6bb3u, 0x724d6007u, 0x43a57a9au, 0xe5d2712eu, 0x139a01c7u, 0xb5ed0a73u, 
        0x840510eeu, 0x22721b5au, 0xe7d525d4u, 0x41a22e60u, 0x704a34fdu, 0xd63d3f49u, 
        0xcc1d9f8bu, 0x6a6a943fu, 0x5b828ea2u, 0xfdf58516u, 0x3852bb98u, 0x9e25b02cu, 
        0xafcdaab1u, 0x09baa105u, 0xfff2d1ecu, 0x5985da58u, 0x686dc0c5u, 0xce1acb71u, 
        0x0bbdf5ffu, 0xadcafe4bu, 0x9c22e4d6u, 0x3a55ef62u, 0xabc30345u, 0x0db408f1u, 
        0x3c5c126cu, 0x9a2b19d8u, 0x5f8c2756u, 0xf9fb2ce2u, 0xc813367fu, 0x6e643dcbu, 
        0x982c4d22u, 0x3e5b4696u, 0x0fb35c0bu, 0xa9c457bfu, 0x6c636931u, 0xca146285u, 
        0xfbfc7818u, 0x5d8b73acu, 0x03a0a617u, 0xa5d7ada3u, 0x943fb73eu, 0x3248bc8au, 
        0xf7ef8204u, 0x519889b0u, 0x6070932du, 0xc6079899u, 0x304fe870u, 0x9638e3c4u, 
        0xa7d0f959u, 0x01a7f2edu, 0xc400cc63u, 0x6277c7d7u, 0x539fdd4au, 0xf5e8d6feu, 
        0x647e3ad9u, 0xc209316du, 0xf3e12bf0u, 0x55962044u, 0x90311ecau, 0x3646157eu, 
        0x07ae0fe3u, 0xa1d90457u, 0x579174beu, 0xf1e67f0au, 0xc00e6597u, 0x66796e23u, 
        0xa3de50adu, 0x05a95b19u, 0x34414184u, 0x92364a30u},
    {
        0x00000000u, 0xccaa009eu, 0x4225077du, 0x8e8f07e3u, 0x844a0efau, 0x48e00e64u, 
        0xc66f0987u, 0x0ac50919u, 0xd3e51bb5u, 0x1f4f1b2bu, 0x91c01cc8u, 0x5d6a1c56u, 
        0x57af154fu, 0x9b0515d1u, 0x158a1232u, 0xd92012acu, 0x7cbb312bu, 0xb01131b5u, 
        0x3e9e3656u, 0xf23436c8u, 0xf8f13fd1u, 0x345b3f4fu, 0xbad438acu, 0x767e3832u, 
        0xaf5e2a9eu, 0x63f42a00u, 0xed7b2de3u, 0x21d12d7du, 0x2b142464u, 0xe7be24fau, 
        0x69312319u, 0xa59b2387u, 0xf9766256u, 0x35dc62c8u, 0xbb53652bu, 0x77f965b5u, 
        0x7d3c6cacu, 0xb1966c32u, 0x3f196bd1u, 0xf3b36b4fu, 0x2a9379e3u, 0xe639797du, 
        0x68b67e9eu, 0xa41c7e00u, 0xaed97719u, 0x62737787u, 0xecfc7064u, 0x205670fau, 
        0x85cd537du, 0x496753e3u, 0xc7e85400u, 0x0b42549eu, 0x01875d87u, 0xcd2d5d19u, 
        0x43a25afau, 0x8f085a64u, 0x562848c8u, 0x9a824856u, 0x140d4fb5u, 0xd8a74f2bu, 
        0xd2624632u, 0x1ec846acu, 0x9047414fu, 0x5ced41d1u, 0x299dc2edu, 0xe537c273u, 
        0x6bb8c590u, 0xa712c50eu, 0xadd7cc17u, 0x617dcc89u, 0xeff2cb6au, 0x2358cbf4u, 
        0xfa78d958u, 0x36d2d9c6u, 0xb85dde25u, 0x74f7debbu, 0x7e32d7a2u, 0xb298d73cu, 
        0x3c17d0dfu, 0xf0bdd041u, 0x5526f3c6u, 0x998cf358u, 0x1703f4bbu, 0xdba9f425u, 
        0xd16cfd3cu, 0x1dc6fda2u, 0x9349fa41u, 0x5fe3fadfu, 0x86c3e873u, 0x4a69e8edu, 
        0xc4e6ef0eu, 0x084cef90u, 0x0289e689u, 0xce23e617u, 0x40ace1f4u, 0x8c06e16au, 
        0xd0eba0bbu, 0x1c41a025u, 0x92cea7c6u, 0x5e64a758u, 0x54a1ae41u, 0x980baedfu, 
        0x1684a93cu, 0xda2ea9a2u, 0x030ebb0eu, 0xcfa4bb90u, 0x412bbc73u, 0x8d81bcedu, 
        0x8744b5f4u, 0x4beeb56au, 0xc561b289u, 0x09cbb217u, 0xac509190u, 0x60fa910eu, 
        0xee7596edu, 0x22df9673u, 0x281a9f6au, 0xe4b09ff4u, 0x6a3f9817u, 0xa6959889u, 
        0x7fb58a25u, 0xb31f8abbu, 0x3d908d58u, 0xf13a8dc6u, 0xfbff84dfu, 0x37558441u, 
        0xb9da83a2u, 0x7570833cu, 0x533b85dau, 0x9f918544u, 0x111e82a7u, 0xddb48239u, 
        0xd7718b20u, 0x1bdb8bbeu, 0x95548c5du, 0x59fe8cc3u, 0x80de9e6fu, 0x4c749ef1u, 
        0xc2fb9912u, 0x0e51998cu, 0x04949095u, 0xc83e900bu, 0x46b197e8u, 0x8a1b9776u, 
        0x2f80b4f1u, 0xe32ab46fu, 0x6da5b38cu, 0xa10fb312u, 0xabcaba0bu, 0x6760ba95u, 
        0xe9efbd76u, 0x2545bde8u, 0xfc65af44u, 0x30cfafdau, 0xbe40a839u, 0x72eaa8a7u, 
        0x782fa1beu, 0xb485a120u, 0x3a0aa6c3u, 0xf6a0a65du, 0xaa4de78cu, 0x66e7e712u, 
        0xe868e0f1u, 0x24c2e06fu, 0x2e07e976u, 0xe2ade9e8u, 0x6c22ee0bu, 0xa088ee95u, 
        0x79a8fc39u, 0xb502fca7u, 0x3b8dfb44u, 0xf727fbdau, 0xfde2f2c3u, 0x3148f25du, 
        0xbfc7f5beu, 0x736df520u, 0xd6f6d6a7u, 0x1a5cd639u, 0x94d3d1dau, 0x5879d144u, 
        0x52bcd85du, 0x9e16d8c3u, 0x1099df20u, 0xdc33dfbeu, 0x0513cd12u, 0xc9b9cd8cu, 
        0x4736ca6fu, 0x8b9ccaf1u, 0x8159c3e8u, 0x4df3c376u, 0xc37cc495u, 0x0fd6c40bu, 
        0x7aa64737u, 0xb60c47a9u, 0x3883404au, 0xf42940d4u, 0xfeec49cdu, 0x32464953u, 
        0xbcc94eb0u, 0x70634e2eu, 0xa9435c82u, 0x65e95c1cu, 0xeb665bffu, 0x27cc5b61u, 
        0x2d095278u, 0xe1a352e6u, 0x6f2c5505u, 0xa386559bu, 0x061d761cu, 0xcab77682u, 
        0x44387161u, 0x889271ffu, 0x825778e6u, 0x4efd7878u, 0xc0727f9bu, 0x0cd87f05u, 
        0xd5f86da9u, 0x19526d37u, 0x97dd6ad4u, 0x5b776a4au, 0x51b26353u, 0x9d1863cdu, 
        0x1397642eu, 0xdf3d64b0u, 0x83d02561u, 0x4f7a25ffu, 0xc1f5221cu, 0x0d5f2282u, 
        0x079a2b9bu, 0xcb302b05u, 0x45bf2ce6u, 0x89152c78u, 0x50353ed4u, 0x9c9f3e4au, 
        0x121039a9u, 0xdeba3937u, 0xd47f302eu, 0x18d530b0u, 0x965a3753u, 0x5af037cdu, 
        0xff6b144au, 0x33c114d4u, 0xbd4e1337u, 0x71e413a9u, 0x7b211ab0u, 0xb78b1a2eu, 
        0x39041dcdu, 0xf5ae1d53u, 0x2c8e0fffu, 0xe0240f61u, 0x6eab0882u, 0xa201081cu, 
        0xa8c40105u, 0x646e019bu, 0xeae10678u, 0x264b06e6u},
};

uint32_t qcc_qprog_crc32(uint32_t crc, const void *bytes, size_t size) {
    const uint8_t *p = (const uint8_t *)bytes;
    crc = ~crc;
    for (; size >= 8; size -= 8, p += 8) { /* slicing by 8 */
        uint32_t lo = crc ^ rd32(p), hi = rd32(p + 4);
        crc = crc_table[7][lo & 0xFFu] ^ crc_table[6][(lo >> 8) & 0xFFu] ^ crc_table[5][(lo >> 16) & 0xFFu] ^
              crc_table[4][lo >> 24] ^ crc_table[3][hi & 0xFFu] ^ crc_table[2][(hi >> 8) & 0xFFu] ^
              crc_table[1][(hi >> 16) & 0xFFu] ^ crc_table[0][hi >> 24];
    }
    for (; size > 0; size--, p++) crc = crc_table[0][(crc ^ *p) & 0xFFu] ^ (crc >> 8);
    return ~crc;
}

/* ---- records ---- */

typedef struct {
    uint32_t elem, rank, kind, index;
    uint64_t offset, bytes;
    int64_t shape[QCC_MAX_RANK];
    uint32_t name, quantized;
    float scale;
    int32_t zero_point;
} tensor_record;

static void read_tensor(const qcc_qprog *p, uint32_t id, tensor_record *t) {
    const uint8_t *r = p->tensors + (size_t)id * TENSOR_BYTES;
    t->elem = rd32(r);
    t->rank = rd32(r + 4);
    t->kind = rd32(r + 8);
    t->index = rd32(r + 12);
    t->offset = rd64(r + 16);
    t->bytes = rd64(r + 24);
    for (int i = 0; i < QCC_MAX_RANK; i++) t->shape[i] = (int64_t)rd64(r + 32 + 8 * i);
    t->name = rd32(r + 96);
    t->quantized = rd32(r + 100);
    t->scale = rdf32(r + 104);
    t->zero_point = (int32_t)rd32(r + 108);
}

typedef struct {
    uint32_t kernel, buffer_count, int_count, float_count, name, reserved;
    const uint8_t *refs;   /* buffer_count references of 16 bytes */
    const uint8_t *ints;   /* int_count i64s, 8-byte aligned in memory */
    const uint8_t *floats; /* float_count f32s */
    uint64_t record_bytes; /* the whole record, padding included */
} call_record;

/* Reads the fixed part of the call record at `r` (24 bytes are there) and lays out the rest. */
static void read_call(const uint8_t *r, call_record *c) {
    c->kernel = rd32(r);
    c->buffer_count = rd32(r + 4);
    c->int_count = rd32(r + 8);
    c->float_count = rd32(r + 12);
    c->name = rd32(r + 16);
    c->reserved = rd32(r + 20);
    c->refs = r + CALL_HEADER_BYTES;
    c->ints = c->refs + (size_t)BUFFER_REF_BYTES * (c->buffer_count <= QCC_CALL_MAX_BUFFERS ? c->buffer_count : 0);
    c->floats = c->ints + (size_t)8 * (c->int_count <= QCC_CALL_MAX_INTS ? c->int_count : 0);
    c->record_bytes = ((uint64_t)CALL_HEADER_BYTES + (uint64_t)BUFFER_REF_BYTES * c->buffer_count +
                       (uint64_t)8 * c->int_count + (uint64_t)4 * c->float_count + 7u) &
                      ~(uint64_t)7u;
}

/* The name at `offset` in the names section, or NULL when it is not a NUL-terminated string inside it. */
static const char *name_at(const qcc_qprog *p, uint32_t offset) {
    if ((uint64_t)offset >= p->names_bytes) return NULL;
    if (!memchr(p->names + offset, 0, (size_t)(p->names_bytes - offset))) return NULL;
    return (const char *)(p->names + offset);
}

/* Describes a bad name offset into `what` (for a message). */
static void describe_bad_name(const qcc_qprog *p, uint32_t offset, char *what, size_t what_size) {
    if ((uint64_t)offset >= p->names_bytes)
        snprintf(what, what_size, "name offset %lu is outside the names section (%llu bytes)", (unsigned long)offset,
                 (ull)p->names_bytes);
    else
        snprintf(what, what_size, "the name at offset %lu has no NUL before the names section ends (%llu bytes)",
                 (unsigned long)offset, (ull)p->names_bytes);
}

/* Bytes per element (0 for 4-bit types, which pack two per byte), or -1 for an unknown code. */
static int elem_size(uint32_t elem) {
    switch (elem) {
    case QCC_ELEM_F64: case QCC_ELEM_I64: case QCC_ELEM_U64: return 8;
    case QCC_ELEM_F32: case QCC_ELEM_I32: case QCC_ELEM_U32: return 4;
    case QCC_ELEM_F16: case QCC_ELEM_BF16: case QCC_ELEM_I16: case QCC_ELEM_U16: return 2;
    case QCC_ELEM_I8: case QCC_ELEM_U8: case QCC_ELEM_BOOL: return 1;
    case QCC_ELEM_I4: case QCC_ELEM_U4: return 0;
    default: return -1;
    }
}

static const char *kind_name(uint32_t kind) {
    switch (kind) {
    case KIND_INPUT: return "input";
    case KIND_OUTPUT: return "output";
    case KIND_CONSTANT: return "constant";
    case KIND_ARENA: return "arena";
    default: return "?";
    }
}

/* ---- validation ---- */

static int check_tensor(const qcc_qprog *p, uint32_t id, char *error, size_t error_size) {
    tensor_record t;
    read_tensor(p, id, &t);
    const char *name = name_at(p, t.name);
    if (!name) {
        char what[160];
        describe_bad_name(p, t.name, what, sizeof what);
        return fail(error, error_size, "tensor %lu: %s", (unsigned long)id, what);
    }
#define TFAIL(...) \
    do { \
        char what_[256]; \
        snprintf(what_, sizeof what_, __VA_ARGS__); \
        return fail(error, error_size, "tensor %lu ('%.*s'): %s", (unsigned long)id, NAME_LIMIT, name, what_); \
    } while (0)
    int size = elem_size(t.elem);
    if (size < 0) TFAIL("unknown element type code %lu", (unsigned long)t.elem);
    if (t.rank > QCC_MAX_RANK) TFAIL("rank %lu is above %d", (unsigned long)t.rank, QCC_MAX_RANK);
    uint64_t count = 1;
    int zero = 0;
    for (uint32_t i = 0; i < QCC_MAX_RANK; i++) {
        int64_t d = t.shape[i];
        if (i >= t.rank) {
            if (d != 0) TFAIL("shape[%lu] is %lld beyond its rank %lu (must be 0)", (unsigned long)i, (long long)d,
                              (unsigned long)t.rank);
            continue;
        }
        if (d < 0) TFAIL("dimension %lu is negative (%lld)", (unsigned long)i, (long long)d);
        if (d == 0) {
            zero = 1;
            continue;
        }
        if (count > UINT64_MAX / (uint64_t)d) TFAIL("its element count overflows 64 bits");
        count *= (uint64_t)d;
    }
    uint64_t bytes;
    if (size == 0) {
        bytes = count / 2 + (count & 1u);
    } else {
        if (count > UINT64_MAX / (uint64_t)size) TFAIL("its byte size overflows 64 bits");
        bytes = count * (uint64_t)size;
    }
    if (zero) bytes = 0;
    if (t.bytes != bytes)
        TFAIL("bytes is %llu, but its %s shape needs %llu", (ull)t.bytes, qcc_elem_name((int32_t)t.elem) ?
              qcc_elem_name((int32_t)t.elem) : "", (ull)bytes);
    switch (t.kind) {
    case KIND_INPUT:
    case KIND_OUTPUT: {
        uint32_t limit = t.kind == KIND_INPUT ? p->input_count : p->output_count;
        if (t.index >= limit)
            TFAIL("%s number %lu, but the header says there are %lu %ss", kind_name(t.kind), (unsigned long)t.index,
                  (unsigned long)limit, kind_name(t.kind));
        if (t.offset != 0) TFAIL("offset is %llu; an %s's must be 0", (ull)t.offset, kind_name(t.kind));
        break;
    }
    case KIND_CONSTANT:
    case KIND_ARENA: {
        uint64_t limit = t.kind == KIND_CONSTANT ? p->constants_bytes : p->arena_bytes;
        const char *where = t.kind == KIND_CONSTANT ? "the constants section" : "the arena";
        if (t.index != 0)
            TFAIL("index is %lu; %s tensor's must be 0", (unsigned long)t.index, t.kind == KIND_ARENA ? "an arena" : "a constant");
        if (t.offset % 64u != 0) TFAIL("offset %llu is not a multiple of 64", (ull)t.offset);
        if (t.offset > limit || t.bytes > limit - t.offset)
            TFAIL("bytes [%llu, %llu + %llu) lie outside %s (%llu bytes)", (ull)t.offset, (ull)t.offset, (ull)t.bytes,
                  where, (ull)limit);
        break;
    }
    default:
        TFAIL("unknown kind %lu (1 input, 2 output, 3 constant, 4 arena)", (unsigned long)t.kind);
    }
    if (t.quantized > 1) TFAIL("quantized is %lu, not 0 or 1", (unsigned long)t.quantized);
    if (t.quantized) {
        uint32_t bits;
        memcpy(&bits, &t.scale, sizeof bits);
        if (((bits >> 23) & 0xFFu) == 0xFFu || !(t.scale > 0.0f))
            TFAIL("quantized with scale %g (must be finite and > 0)", (double)t.scale);
    } else {
        uint32_t bits;
        memcpy(&bits, &t.scale, sizeof bits);
        if (bits != 0) TFAIL("not quantized, but its scale is %g (must be 0)", (double)t.scale);
        if (t.zero_point != 0) TFAIL("not quantized, but its zero point is %ld (must be 0)", (long)t.zero_point);
    }
#undef TFAIL
    return 0;
}

/* Checks that each of `count` numbers of tensors of `kind` names exactly one tensor (chunked bitmap). */
static int check_numbering(const qcc_qprog *p, uint32_t kind, uint32_t count, char *error, size_t error_size) {
    enum { CHUNK = 8192 };
    uint8_t seen[CHUNK / 8];
    for (uint64_t base = 0; base < count; base += CHUNK) {
        memset(seen, 0, sizeof seen);
        for (uint32_t id = 0; id < p->tensor_count; id++) {
            tensor_record t;
            read_tensor(p, id, &t);
            if (t.kind != kind || t.index < base || t.index >= base + CHUNK) continue;
            uint32_t bit = (uint32_t)(t.index - base);
            if (seen[bit / 8] & (1u << (bit % 8))) {
                uint32_t other = 0;
                for (; other < id; other++) {
                    tensor_record o;
                    read_tensor(p, other, &o);
                    if (o.kind == kind && o.index == t.index) break;
                }
                tensor_record o;
                read_tensor(p, other, &o);
                return fail(error, error_size, "tensor %lu ('%.*s') and tensor %lu ('%.*s') are both %s %lu",
                            (unsigned long)other, NAME_LIMIT, name_at(p, o.name), (unsigned long)id, NAME_LIMIT,
                            name_at(p, t.name), kind_name(kind), (unsigned long)t.index);
            }
            seen[bit / 8] = (uint8_t)(seen[bit / 8] | (1u << (bit % 8)));
        }
        for (uint64_t n = base; n < count && n < base + CHUNK; n++) {
            uint32_t bit = (uint32_t)(n - base);
            if (!(seen[bit / 8] & (1u << (bit % 8))))
                return fail(error, error_size, "no tensor is %s %llu (the header says there are %lu %ss)",
                            kind_name(kind), (ull)n, (unsigned long)count, kind_name(kind));
        }
    }
    return 0;
}

/* Checks call `index` at `pos` in the calls section; sets *record_bytes. */
static int check_call(const qcc_qprog *p, uint32_t index, uint64_t pos, uint64_t *record_bytes, char *error,
                      size_t error_size) {
    uint64_t left = p->calls_bytes - pos;
    if (left < CALL_HEADER_BYTES)
        return fail(error, error_size, "call %lu: truncated: its record needs %u bytes, the calls section has %llu left",
                    (unsigned long)index, CALL_HEADER_BYTES, (ull)left);
    const uint8_t *r = p->calls + pos;
    call_record c;
    read_call(r, &c);
    const char *name = name_at(p, c.name);
    if (!name) {
        char what[160];
        describe_bad_name(p, c.name, what, sizeof what);
        return fail(error, error_size, "call %lu: %s", (unsigned long)index, what);
    }
#define CFAIL(...) \
    do { \
        char what_[1024]; \
        snprintf(what_, sizeof what_, __VA_ARGS__); \
        return fail(error, error_size, "call %lu (node '%.*s'): %s", (unsigned long)index, NAME_LIMIT, name, what_); \
    } while (0)
    if (c.reserved != 0) CFAIL("reserved field is %lu (must be 0)", (unsigned long)c.reserved);
    if (c.buffer_count > QCC_CALL_MAX_BUFFERS)
        CFAIL("%lu buffers (at most %d)", (unsigned long)c.buffer_count, QCC_CALL_MAX_BUFFERS);
    if (c.int_count > QCC_CALL_MAX_INTS) CFAIL("%lu ints (at most %d)", (unsigned long)c.int_count, QCC_CALL_MAX_INTS);
    if (c.float_count > QCC_CALL_MAX_FLOATS)
        CFAIL("%lu floats (at most %d)", (unsigned long)c.float_count, QCC_CALL_MAX_FLOATS);
    if (c.record_bytes > left)
        CFAIL("truncated: its record needs %llu bytes, the calls section has %llu left", (ull)c.record_bytes,
              (ull)left);
    const uint8_t *end = c.floats + (size_t)4 * c.float_count;
    for (const uint8_t *q = end; q < r + c.record_bytes; q++)
        if (*q != 0) CFAIL("padding byte %lu is not 0", (unsigned long)(q - r));

    void *pointers[QCC_CALL_MAX_BUFFERS];
    qcc_buffer_info info[QCC_CALL_MAX_BUFFERS];
    for (uint32_t b = 0; b < c.buffer_count; b++) {
        const uint8_t *ref = c.refs + (size_t)BUFFER_REF_BYTES * b;
        uint32_t tensor = rd32(ref), reserved = rd32(ref + 4);
        uint64_t offset = rd64(ref + 8);
        if (reserved != 0) CFAIL("buffer %lu: reserved field is %lu (must be 0)", (unsigned long)b, (unsigned long)reserved);
        pointers[b] = NULL;
        info[b].before = 0;
        info[b].after = 0;
        info[b].flags = 0;
        if (tensor == ABSENT_TENSOR) {
            if (offset != 0) CFAIL("buffer %lu is absent but has byte offset %llu (must be 0)", (unsigned long)b, (ull)offset);
            continue;
        }
        if (tensor >= p->tensor_count)
            CFAIL("buffer %lu names tensor %lu; there are %lu", (unsigned long)b, (unsigned long)tensor,
                  (unsigned long)p->tensor_count);
        tensor_record t;
        read_tensor(p, tensor, &t);
        if (offset > t.bytes)
            CFAIL("buffer %lu starts at byte %llu of tensor %lu ('%.*s'), which has %llu", (unsigned long)b,
                  (ull)offset, (unsigned long)tensor, NAME_LIMIT, name_at(p, t.name), (ull)t.bytes);
        if (t.bytes > (uint64_t)INT64_MAX)
            CFAIL("buffer %lu: tensor %lu is too large", (unsigned long)b, (unsigned long)tensor);
        info[b].before = (int64_t)offset;
        info[b].after = (int64_t)(t.bytes - offset);
        info[b].flags = QCC_BUFFER_PRESENT;
        if (t.kind == KIND_OUTPUT || t.kind == KIND_ARENA) info[b].flags |= QCC_BUFFER_WRITABLE;
        if (t.kind == KIND_CONSTANT) {
            info[b].flags |= QCC_BUFFER_CONSTANT;
            pointers[b] = (void *)(uintptr_t)(p->constants + t.offset + offset);
        }
    }
    qcc_call call;
    call.kernel = (int32_t)c.kernel;
    call.buffer_count = (int32_t)c.buffer_count;
    call.int_count = (int32_t)c.int_count;
    call.float_count = (int32_t)c.float_count;
    call.buffers = pointers;
    call.ints = (const int64_t *)(const void *)c.ints;
    call.floats = (const float *)(const void *)c.floats;
    char message[512];
    message[0] = 0;
    if (qcc_call_check(&call, info, message, sizeof message) != 0) {
        /* Name the tensor of the buffer the message is about ("... buffer 1 (x) reads ..."). */
        char tensor_text[300];
        tensor_text[0] = 0;
        const char *at = strstr(message, "buffer ");
        if (at && at[7] >= '0' && at[7] <= '9' && (at[8] < '0' || at[8] > '9')) {
            uint32_t b = (uint32_t)(at[7] - '0');
            uint32_t tensor = b < c.buffer_count ? rd32(c.refs + (size_t)BUFFER_REF_BYTES * b) : ABSENT_TENSOR;
            if (tensor != ABSENT_TENSOR) {
                tensor_record t;
                read_tensor(p, tensor, &t);
                snprintf(tensor_text, sizeof tensor_text, " (buffer %lu is %s tensor %lu '%.*s' at byte %lld)",
                         (unsigned long)b, kind_name(t.kind), (unsigned long)tensor, NAME_LIMIT / 2,
                         name_at(p, t.name), (long long)info[b].before);
            }
        }
        CFAIL("%s%s", message[0] ? message : "rejected by qcc_call_check", tensor_text);
    }
#undef CFAIL
    *record_bytes = c.record_bytes;
    return 0;
}

static int host_is_little_endian(void) {
    const uint32_t one = 1;
    uint8_t first;
    memcpy(&first, &one, 1);
    return first == 1;
}

int qcc_qprog_open(const void *bytes, size_t size, qcc_qprog *program, char *error, size_t error_size) {
    if (error && error_size > 0) error[0] = 0;
    if (!program) return fail(error, error_size, "no program to fill (NULL)");
    memset(program, 0, sizeof *program);
    if (!host_is_little_endian()) return fail(error, error_size, "this runtime needs a little-endian host");
    if (!bytes && size > 0) return fail(error, error_size, "the file's bytes are NULL");
    if (size < HEADER_BYTES)
        return fail(error, error_size, "truncated: the header needs %u bytes, the file has %llu", HEADER_BYTES,
                    (ull)size);
    const uint8_t *h = (const uint8_t *)bytes;
    if (memcmp(h, "QPRG", 4) != 0) {
        char magic[20];
        snprintf(magic, sizeof magic, "%02x %02x %02x %02x", h[0], h[1], h[2], h[3]);
        return fail(error, error_size, "not a .qprog file: the magic is %s, not 'QPRG'", magic);
    }
    uint32_t version = rd32(h + 4);
    if (version != QCC_QPROG_VERSION)
        return fail(error, error_size, "the file is version %lu; this runtime reads version %d", (unsigned long)version,
                    QCC_QPROG_VERSION);
    if ((uintptr_t)bytes % 8u != 0)
        return fail(error, error_size, "the file's bytes must be 8-byte aligned in memory (64 is best)");
    uint32_t flags = rd32(h + 8);
    if (flags != 0) return fail(error, error_size, "flags is 0x%08lx (must be 0)", (unsigned long)flags);
    uint32_t tensor_count = rd32(h + 12), input_count = rd32(h + 16), output_count = rd32(h + 20);
    uint32_t call_count = rd32(h + 24), crc = rd32(h + 28);
    uint64_t file_size = rd64(h + 32), arena_bytes = rd64(h + 40);
    uint64_t tensors_offset = rd64(h + 48), tensors_bytes = rd64(h + 56);
    uint64_t calls_offset = rd64(h + 64), calls_bytes = rd64(h + 72);
    uint64_t names_offset = rd64(h + 80), names_bytes = rd64(h + 88);
    uint64_t constants_offset = rd64(h + 96), constants_bytes = rd64(h + 104);
    uint64_t n = (uint64_t)size;
    if (file_size > n)
        return fail(error, error_size, "truncated: the header says the file has %llu bytes, it has %llu",
                    (ull)file_size, (ull)n);
    if (file_size != n)
        return fail(error, error_size, "the header says the file has %llu bytes, but it has %llu", (ull)file_size,
                    (ull)n);
    if (output_count < 1) return fail(error, error_size, "the program has no outputs (output_count is 0)");
    if (arena_bytes % 64u != 0)
        return fail(error, error_size, "arena_bytes %llu is not a multiple of 64", (ull)arena_bytes);
    if (tensors_offset != HEADER_BYTES)
        return fail(error, error_size, "tensors_offset is %llu (must be %u)", (ull)tensors_offset, HEADER_BYTES);
    if (tensors_bytes != (uint64_t)TENSOR_BYTES * tensor_count)
        return fail(error, error_size, "tensors_bytes is %llu; %lu tensors need %llu", (ull)tensors_bytes,
                    (unsigned long)tensor_count, (ull)((uint64_t)TENSOR_BYTES * tensor_count));
    if (tensors_bytes > n - tensors_offset)
        return fail(error, error_size, "truncated: the tensors section [%llu, %llu) ends past the file's %llu bytes",
                    (ull)tensors_offset, (ull)(tensors_offset + tensors_bytes), (ull)n);
    if (calls_offset != tensors_offset + tensors_bytes)
        return fail(error, error_size, "calls_offset is %llu (must be %llu, where the tensors end)", (ull)calls_offset,
                    (ull)(tensors_offset + tensors_bytes));
    if (calls_bytes > n - calls_offset)
        return fail(error, error_size, "the calls section [%llu, +%llu) ends past the file's %llu bytes",
                    (ull)calls_offset, (ull)calls_bytes, (ull)n);
    if (calls_bytes % 8u != 0)
        return fail(error, error_size, "calls_bytes %llu is not a multiple of 8", (ull)calls_bytes);
    if (names_offset != calls_offset + calls_bytes)
        return fail(error, error_size, "names_offset is %llu (must be %llu, where the calls end)", (ull)names_offset,
                    (ull)(calls_offset + calls_bytes));
    if (names_bytes > n - names_offset)
        return fail(error, error_size, "the names section [%llu, +%llu) ends past the file's %llu bytes",
                    (ull)names_offset, (ull)names_bytes, (ull)n);
    if (constants_offset < names_offset + names_bytes)
        return fail(error, error_size, "constants_offset %llu overlaps the names section, which ends at %llu",
                    (ull)constants_offset, (ull)(names_offset + names_bytes));
    if (constants_offset % 64u != 0)
        return fail(error, error_size, "constants_offset %llu is not a multiple of 64", (ull)constants_offset);
    if (constants_offset > n || constants_bytes != n - constants_offset)
        return fail(error, error_size,
                    "the constants section [%llu, +%llu) does not end exactly at the end of the file (%llu bytes)",
                    (ull)constants_offset, (ull)constants_bytes, (ull)n);
    uint32_t actual = qcc_qprog_crc32(0, h + HEADER_BYTES, size - HEADER_BYTES);
    if (actual != crc)
        return fail(error, error_size, "CRC-32 mismatch: the header says 0x%08lx, bytes [112, %llu) have 0x%08lx "
                    "(the file is corrupt)", (unsigned long)crc, (ull)n, (unsigned long)actual);
    if (tensor_count == ABSENT_TENSOR) return fail(error, error_size, "too many tensors (%lu)", (unsigned long)tensor_count);

    qcc_qprog p;
    memset(&p, 0, sizeof p);
    p.bytes = h;
    p.size = n;
    p.tensor_count = tensor_count;
    p.input_count = input_count;
    p.output_count = output_count;
    p.call_count = call_count;
    p.arena_bytes = arena_bytes;
    p.tensors = h + tensors_offset;
    p.calls = h + calls_offset;
    p.names = h + names_offset;
    p.constants = h + constants_offset;
    p.calls_bytes = calls_bytes;
    p.names_bytes = names_bytes;
    p.constants_bytes = constants_bytes;

    if (input_count > tensor_count || output_count > tensor_count)
        return fail(error, error_size, "the header lists %lu inputs and %lu outputs but only %lu tensors",
                    (unsigned long)input_count, (unsigned long)output_count, (unsigned long)tensor_count);
    for (uint32_t id = 0; id < tensor_count; id++)
        if (check_tensor(&p, id, error, error_size) != 0) return -1;
    if (check_numbering(&p, KIND_INPUT, input_count, error, error_size) != 0) return -1;
    if (check_numbering(&p, KIND_OUTPUT, output_count, error, error_size) != 0) return -1;
    uint64_t pos = 0;
    for (uint32_t i = 0; i < call_count; i++) {
        uint64_t record_bytes = 0;
        if (check_call(&p, i, pos, &record_bytes, error, error_size) != 0) return -1;
        pos += record_bytes;
    }
    if (pos != calls_bytes)
        return fail(error, error_size, "the calls section has %llu bytes after its %lu calls (it has %llu bytes)",
                    (ull)(calls_bytes - pos), (unsigned long)call_count, (ull)calls_bytes);
    *program = p;
    return 0;
}

/* ---- queries ---- */

uint64_t qcc_qprog_arena_bytes(const qcc_qprog *program) { return program->arena_bytes; }
uint32_t qcc_qprog_input_count(const qcc_qprog *program) { return program->input_count; }
uint32_t qcc_qprog_output_count(const qcc_qprog *program) { return program->output_count; }
uint32_t qcc_qprog_call_count(const qcc_qprog *program) { return program->call_count; }

static int describe(const qcc_qprog *p, uint32_t kind, uint32_t index, qcc_qprog_tensor_info *info) {
    for (uint32_t id = 0; id < p->tensor_count; id++) {
        tensor_record t;
        read_tensor(p, id, &t);
        if (t.kind != kind || t.index != index) continue;
        if (info) {
            memset(info, 0, sizeof *info);
            info->name = (const char *)(p->names + t.name);
            info->elem = (int32_t)t.elem;
            info->rank = (int32_t)t.rank;
            for (uint32_t i = 0; i < t.rank; i++) info->shape[i] = t.shape[i];
            info->bytes = t.bytes;
            info->quantized = (int32_t)t.quantized;
            info->scale = t.scale;
            info->zero_point = t.zero_point;
        }
        return 0;
    }
    return -1;
}

int qcc_qprog_input(const qcc_qprog *program, uint32_t index, qcc_qprog_tensor_info *info) {
    if (!program || index >= program->input_count) return -1;
    return describe(program, KIND_INPUT, index, info);
}

int qcc_qprog_output(const qcc_qprog *program, uint32_t index, qcc_qprog_tensor_info *info) {
    if (!program || index >= program->output_count) return -1;
    return describe(program, KIND_OUTPUT, index, info);
}

/* ---- running ---- */

/* Storage for zero-byte tensors whose caller gave no pointer: never read or written. */
static union {
    uint64_t u[8];
    double d;
} empty_storage;

int qcc_qprog_run(const qcc_qprog *program, const void *const *inputs, void *const *outputs, void *arena, char *error,
                  size_t error_size) {
    if (error && error_size > 0) error[0] = 0;
    if (!program || !program->bytes) return fail(error, error_size, "run: the program is not open");
    const qcc_qprog *p = program;
    if (p->arena_bytes > 0 && !arena)
        return fail(error, error_size, "run: the program needs an arena of %llu bytes, got NULL", (ull)p->arena_bytes);
    if ((uintptr_t)arena % 64u != 0) return fail(error, error_size, "run: the arena is not 64-byte aligned");
    uint64_t pos = 0;
    for (uint32_t i = 0; i < p->call_count; i++) {
        const uint8_t *r = p->calls + pos;
        call_record c;
        read_call(r, &c);
        pos += c.record_bytes;
        const char *name = (const char *)(p->names + c.name);
        void *pointers[QCC_CALL_MAX_BUFFERS];
        for (uint32_t b = 0; b < c.buffer_count; b++) {
            const uint8_t *ref = c.refs + (size_t)BUFFER_REF_BYTES * b;
            uint32_t tensor = rd32(ref);
            uint64_t offset = rd64(ref + 8);
            pointers[b] = NULL;
            if (tensor == ABSENT_TENSOR) continue;
            tensor_record t;
            read_tensor(p, tensor, &t);
            uint8_t *base = NULL;
            switch (t.kind) {
            case KIND_INPUT:
                base = inputs ? (uint8_t *)(uintptr_t)inputs[t.index] : NULL;
                break;
            case KIND_OUTPUT:
                base = outputs ? (uint8_t *)outputs[t.index] : NULL;
                break;
            case KIND_CONSTANT:
                base = (uint8_t *)(uintptr_t)(p->constants + t.offset);
                break;
            default:
                base = arena ? (uint8_t *)arena + t.offset : NULL;
                break;
            }
            if (!base) {
                if (t.bytes != 0)
                    return fail(error, error_size, "call %lu (node '%.*s'): %s %lu ('%.*s') is NULL", (unsigned long)i,
                                NAME_LIMIT, name, kind_name(t.kind), (unsigned long)t.index, NAME_LIMIT,
                                (const char *)(p->names + t.name));
                base = (uint8_t *)&empty_storage;
            }
            if (t.kind == KIND_INPUT || t.kind == KIND_OUTPUT) {
                int size = elem_size(t.elem);
                if (size > 1 && (uintptr_t)base % (uintptr_t)size != 0)
                    return fail(error, error_size, "%s %lu ('%.*s') is not aligned to its %d-byte elements",
                                kind_name(t.kind), (unsigned long)t.index, NAME_LIMIT,
                                (const char *)(p->names + t.name), size);
            }
            pointers[b] = base + offset;
        }
        qcc_call call;
        call.kernel = (int32_t)c.kernel;
        call.buffer_count = (int32_t)c.buffer_count;
        call.int_count = (int32_t)c.int_count;
        call.float_count = (int32_t)c.float_count;
        call.buffers = pointers;
        call.ints = (const int64_t *)(const void *)c.ints;
        call.floats = (const float *)(const void *)c.floats;
        char message[512];
        message[0] = 0;
        if (qcc_call_run(&call, message, sizeof message) != 0)
            return fail(error, error_size, "call %lu (node '%.*s'): %s", (unsigned long)i, NAME_LIMIT, name,
                        message[0] ? message : "failed");
    }
    return 0;
}
