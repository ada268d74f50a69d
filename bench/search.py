"""Search benchmark: generated Vietnamese catalogues of 1k, 10k and 100k technologies on the embedded backend,
in-process and through HTTP (gunicorn on 127.0.0.1).

Run: .venv/bin/python bench/search.py [--sizes 1000,10000,100000] [--http-size 10000] [--profile]
     [--index-dir DIR] [--dump PREFIX]

To repeat the query timings without rebuilding: ``--index-dir /tmp/bench-indexes --http-size 0`` builds each size's
index there once and reuses it afterwards; ``--dump PREFIX`` writes every result, to compare two versions.

In-process, for each size (each in a fresh process, so that its peak memory is its own): index build time and size
on disk, then a fixed mix of 208 queries (exact with accents, without accents, English, prefix of the last word, one
typo, several words, with a facet filter, empty query sorted by newest) through ``backend.search`` (page 1, 20 per
page, facets included, as the page asks), with p50/p95/p99 latency overall and per kind, and the peak RSS.
Target: p95 under 10 ms at 100k.

Through HTTP, at ``--http-size``: a migrated SQLite database filled with the same generated catalogue (bulk inserts),
``flask search reindex``, then gunicorn as ``scripts/run.sh`` serves (its settings,
``marketplace/gunicorn_config.py``, access log included; ``--gunicorn`` adds other workers x threads configurations
to compare) driven by 8 keep-alive client threads on ``/technologies?q=…`` (the HTML search page) and
``/api/v1/technologies?q=…`` with the same query mix. Target: page p95 under 50 ms at 10k with 8 concurrent clients
on 2 cores, judged on the run script's configuration. The client threads share the machine's cores with the server,
as they would with wrk or hey; the "worker cores" column shows how much CPU the workers got (below ~1.8 on 2 cores,
something else was running).

Everything is deterministic (seeded) and written under a temporary directory, removed at the end.
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import http.client
import importlib
import itertools
import json
import math
import multiprocessing
import os
import pstats
import queue
import random
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.machine import describe  # noqa: E402
from matching.text import fold_diacritics, slugify  # noqa: E402
from search.base import IndexDoc, SearchQuery  # noqa: E402

SEED = 2026
PER_PAGE = 20
IN_PROCESS_TARGET_MS = 10.0  # p95 at 100k
HTTP_TARGET_MS = 50.0  # page p95 at 10k, 8 clients
BASE_DATE = datetime(2026, 5, 1, tzinfo=UTC)
PRIORITY_SECTORS = {"cang-bien", "logistics", "cong-nghe-cao", "nong-nghiep"}
SECTORS = ["cang-bien", "logistics", "cong-nghe-cao", "nong-nghiep", "thuy-san", "moi-truong", "nang-luong",
           "vat-lieu", "y-sinh", "cntt", "co-khi-che-tao", "xay-dung", "hang-khong-vu-tru", "ban-dan"]
MODES = ["license", "turnkey", "consulting", "joint_venture", "training"]
INSTITUTES = 40

# --- Vocabulary ---------------------------------------------------------------------------------------------------


@dataclass
class Domain:
    sectors: list[str]
    objects: list[tuple[str, str]]  # (Vietnamese, English)
    contexts: list[tuple[str, str]]
    methods: list[str]
    keywords: list[str]


DOMAINS: list[Domain] = [
    Domain(  # seaports
        ["cang-bien", "logistics"],
        [("nhận dạng tự động số container", "automatic container number recognition"),
         ("cổng cảng điện tử", "electronic port gate"),
         ("điều độ thiết bị xếp dỡ container", "container handling equipment dispatch"),
         ("kế hoạch bãi container", "container yard planning"),
         ("dự báo bồi lắng luồng tàu", "navigation channel sedimentation forecasting"),
         ("đệm va cầu tàu bằng cao su", "rubber marine fenders"),
         ("bảo vệ catot cọc ống thép cầu cảng", "cathodic protection of wharf steel piles"),
         ("quan trắc sức khỏe kết cấu cẩu bờ", "quay crane structural health monitoring"),
         ("giám sát tàu thuyền ra vào cảng", "vessel traffic monitoring"),
         ("ổn định hóa bùn nạo vét", "dredged sediment stabilisation")],
        [("cảng biển", "seaports"), ("bến container", "container terminals"),
         ("cầu cảng và công trình biển", "wharves and marine structures"), ("cảng cạn ICD", "inland container depots"),
         ("luồng hàng hải Lạch Huyện", "the Lach Huyen channel")],
        ["bằng trí tuệ nhân tạo và thị giác máy tính", "kết hợp camera độ phân giải cao và học sâu",
         "trên nền tảng bản sao số", "bằng mô hình thủy động lực học ba chiều",
         "sử dụng radar và hệ thống nhận dạng tự động AIS"],
        ["cảng biển", "container", "cầu cảng", "cẩu bờ", "nạo vét", "OCR", "AIS", "luồng tàu", "bãi container",
         "cảng thông minh"],
    ),
    Domain(  # logistics
        ["logistics", "cntt"],
        [("quản lý kho bãi thông minh", "smart warehouse management"),
         ("giám sát nhiệt độ container lạnh", "reefer container temperature monitoring"),
         ("tối ưu lộ trình xe tải", "truck route optimisation"),
         ("truy xuất nguồn gốc hàng hóa", "cargo traceability"), ("chuỗi cung ứng lạnh", "cold supply chain"),
         ("xe nâng điện tự hành", "autonomous electric forklifts"),
         ("quản lý vận tải đa phương thức", "multimodal transport management"),
         ("kho lạnh tiết kiệm năng lượng", "energy-efficient cold storage"),
         ("định vị hàng hóa bằng RFID", "RFID cargo tracking")],
        [("trung tâm logistics", "logistics centres"), ("kho lạnh", "cold stores"),
         ("doanh nghiệp vận tải", "transport companies"), ("khu công nghiệp", "industrial parks")],
        ["sử dụng thẻ RFID và mã QR", "kết hợp cảm biến IoT và truyền dữ liệu không dây LoRa",
         "bằng thuật toán tối ưu hóa và dữ liệu GPS thời gian thực", "trên nền tảng điện toán đám mây",
         "ứng dụng chuỗi khối"],
        ["logistics", "hậu cần", "kho lạnh", "container lạnh", "chuỗi cung ứng", "RFID", "IoT",
         "truy xuất nguồn gốc", "tối ưu hóa", "vận tải"],
    ),
    Domain(  # shipbuilding
        ["co-khi-che-tao", "cang-bien"],
        [("hàn tự động vỏ tàu", "automated hull welding"),
         ("sơn chống hà không chứa thiếc", "tin-free antifouling paint"),
         ("xử lý nước la canh", "bilge water treatment"),
         ("thiết kế tàu cá vỏ composite", "composite fishing vessel design"),
         ("cắt tôn bằng plasma CNC", "CNC plasma plate cutting"), ("sửa chữa chân vịt tàu", "ship propeller repair"),
         ("kiểm tra không phá hủy mối hàn", "non-destructive weld inspection"),
         ("phun phủ nhiệt chống mài mòn trục tàu", "thermal spray coating for ship shafts"),
         ("xử lý hơi dung môi xưởng sơn tàu", "VOC treatment for ship painting shops")],
        [("nhà máy đóng tàu", "shipyards"), ("cơ sở sửa chữa tàu", "ship repair yards"),
         ("đội tàu cá xa bờ", "offshore fishing fleets"),
         ("vỏ tàu và công trình biển", "ship hulls and marine structures")],
        ["bằng robot hàn và cảm biến dò đường hàn", "trên cơ sở hoạt chất có nguồn gốc tự nhiên",
         "bằng siêu âm mảng pha", "kết hợp tuyển nổi khí hòa tan", "bằng phun phủ nhiệt HVOF"],
        ["đóng tàu", "sửa chữa tàu", "vỏ tàu", "mối hàn", "sơn chống hà", "composite", "CNC",
         "kiểm tra không phá hủy", "shipbuilding", "chân vịt"],
    ),
    Domain(  # aquaculture
        ["thuy-san", "nong-nghiep"],
        [("nuôi tôm thẻ chân trắng siêu thâm canh", "super-intensive whiteleg shrimp farming"),
         ("nuôi trồng thủy sản tuần hoàn", "recirculating aquaculture systems"),
         ("chế phẩm vi sinh xử lý đáy ao", "probiotic pond-bottom treatment"),
         ("kit phát hiện nhanh bệnh tôm", "rapid shrimp disease detection kit"),
         ("sản xuất collagen từ da cá", "fish-skin collagen production"),
         ("nuôi cá lồng bè trên biển", "offshore cage fish farming"),
         ("bảo quản thủy sản sau đánh bắt", "post-harvest seafood preservation"),
         ("thức ăn thủy sản từ phụ phẩm", "aquafeed from by-products"),
         ("nuôi hàu và rong biển", "oyster and seaweed farming")],
        [("vùng nuôi ven biển", "coastal farming areas"), ("nhà máy chế biến thủy sản", "seafood processing plants"),
         ("hộ nuôi tôm", "shrimp farmers"), ("huyện đảo Cát Hải", "Cat Hai island district")],
        ["kết hợp cảm biến oxy hòa tan và máy sục khí tự động", "bằng kỹ thuật LAMP và PCR",
         "bằng thủy phân enzyme", "trên cơ sở chủng Bacillus bản địa", "kết hợp lồng HDPE chịu sóng gió"],
        ["thủy sản", "nuôi trồng thủy sản", "nuôi tôm", "aquaculture", "bệnh tôm", "chế biến thủy sản", "lồng bè",
         "RAS", "oxy hòa tan", "seafood"],
    ),
    Domain(  # agriculture
        ["nong-nghiep", "cong-nghe-cao"],
        [("tưới nhỏ giọt tự động cho nhà màng", "automated drip irrigation for greenhouses"),
         ("phân bón hữu cơ vi sinh từ phụ phẩm", "microbial organic fertiliser from residues"),
         ("nhân giống cây trồng in vitro", "in vitro plant propagation"),
         ("bảo quản nông sản sau thu hoạch", "post-harvest produce preservation"),
         ("thuốc bảo vệ thực vật sinh học", "biological pesticides"),
         ("phun thuốc bằng thiết bị bay không người lái", "drone crop spraying"),
         ("giống lúa chịu mặn", "salt-tolerant rice varieties"),
         ("xử lý rơm rạ tại ruộng", "in-field rice straw treatment"),
         ("đèn LED chiếu sáng nông nghiệp", "horticultural LED lighting")],
        [("nông nghiệp công nghệ cao", "high-tech agriculture"), ("hợp tác xã nông nghiệp", "farm cooperatives"),
         ("vùng trồng rau an toàn", "safe vegetable areas"), ("huyện Tiên Lãng và Vĩnh Bảo", "Tien Lang and Vinh Bao")],
        ["kết hợp cảm biến độ ẩm đất và điều khiển từ xa qua điện thoại", "trên cơ sở chủng Trichoderma",
         "bằng nuôi cấy mô tế bào", "bằng màng phủ chitosan", "ứng dụng ảnh viễn thám và GIS"],
        ["nông nghiệp", "nông nghiệp thông minh", "phân bón hữu cơ", "nhà màng", "tưới nhỏ giọt", "drone", "UAV",
         "rơm rạ", "agriculture", "cây giống"],
    ),
    Domain(  # materials
        ["vat-lieu", "xay-dung"],
        [("sơn epoxy giàu kẽm chống ăn mòn", "zinc-rich epoxy anti-corrosion coating"),
         ("vật liệu composite cốt sợi thủy tinh", "glass-fibre reinforced composites"),
         ("bê tông chịu môi trường biển", "marine-grade concrete"),
         ("polyme phân hủy sinh học", "biodegradable polymers"),
         ("lớp phủ nano kỵ nước", "hydrophobic nano coatings"),
         ("gạch không nung từ tro xỉ", "unfired bricks from fly ash and slag"),
         ("cao su kỹ thuật bền nhiệt đới", "tropical-grade technical rubber"),
         ("vật liệu hấp phụ kim loại nặng", "heavy metal adsorbents"),
         ("thép chống ăn mòn cho kết cấu", "corrosion-resistant structural steel")],
        [("kết cấu thép ven biển", "coastal steel structures"), ("công trình xây dựng", "construction works"),
         ("nhà máy nhiệt điện", "thermal power plants"), ("môi trường biển", "marine environments")],
        ["biến tính bằng hạt nano", "trên cơ sở nhựa epoxy và graphene", "sử dụng tro bay và xỉ lò cao",
         "bằng công nghệ ép phun", "kết hợp phụ gia khoáng hoạt tính"],
        ["vật liệu", "chống ăn mòn", "ăn mòn", "corrosion", "composite", "nano", "bê tông", "tro bay", "polyme",
         "kết cấu thép"],
    ),
    Domain(  # IoT, sensors, software
        ["cntt", "cong-nghe-cao"],
        [("cảm biến khí độc NH3 và H2S", "NH3 and H2S toxic gas sensors"),
         ("nền tảng IoT giám sát thiết bị công nghiệp", "IoT platform for industrial equipment monitoring"),
         ("trạm quan trắc không khí giá rẻ", "low-cost air quality stations"),
         ("bảo trì dự đoán máy móc", "predictive machine maintenance"), ("nhận dạng khuôn mặt", "face recognition"),
         ("trợ lý ảo tiếng Việt", "Vietnamese virtual assistant"), ("bản đồ số đô thị GIS", "urban GIS mapping"),
         ("phân tích dữ liệu lớn", "big data analytics"),
         ("an toàn thông tin cho hệ thống điều khiển", "cybersecurity for control systems")],
        [("nhà máy sản xuất", "factories"), ("đô thị thông minh", "smart cities"),
         ("cơ quan nhà nước", "public agencies"),
         ("doanh nghiệp vừa và nhỏ", "small and medium enterprises")],
        ["ứng dụng trí tuệ nhân tạo và học máy", "kết nối Internet vạn vật qua mạng NB-IoT",
         "trên nền tảng mã nguồn mở", "sử dụng cảm biến MEMS và vi điều khiển", "xử lý ngôn ngữ tự nhiên tiếng Việt"],
        ["IoT", "cảm biến", "sensor", "trí tuệ nhân tạo", "AI", "dữ liệu lớn", "phần mềm", "chuyển đổi số",
         "điện toán đám mây", "an toàn thông tin"],
    ),
    Domain(  # energy
        ["nang-luong"],
        [("điện mặt trời áp mái", "rooftop solar power"),
         ("pin lithium sắt phốt phát", "lithium iron phosphate batteries"),
         ("hệ thống lưu trữ năng lượng", "energy storage systems"),
         ("sản xuất viên nén sinh khối", "biomass pellet production"), ("khí sinh học biogas", "biogas"),
         ("kiểm toán năng lượng", "energy auditing"), ("biến tần tiết kiệm điện cho bơm", "energy-saving pump drives"),
         ("điện gió ngoài khơi", "offshore wind power"), ("thu hồi nhiệt thải", "waste heat recovery")],
        [("khu công nghiệp", "industrial parks"), ("tòa nhà thương mại", "commercial buildings"),
         ("trang trại chăn nuôi", "livestock farms"), ("đảo Bạch Long Vĩ", "Bach Long Vi island")],
        ["tích hợp hệ thống quản lý pin BMS", "kết hợp biến tần hòa lưới thông minh", "bằng lò đốt tầng sôi",
         "điều khiển tối ưu theo phụ tải", "sử dụng tấm quang điện hiệu suất cao"],
        ["năng lượng", "năng lượng mặt trời", "solar", "pin mặt trời", "tiết kiệm năng lượng", "biogas",
         "lưu trữ năng lượng", "điện gió", "BMS", "sinh khối"],
    ),
    Domain(  # environment, wastewater
        ["moi-truong"],
        [("xử lý nước thải chế biến thủy sản", "seafood processing wastewater treatment"),
         ("quan trắc nước thải tự động liên tục", "continuous automatic wastewater monitoring"),
         ("xử lý nước thải nhiễm dầu", "oily wastewater treatment"),
         ("xử lý chất thải rắn sinh hoạt", "municipal solid waste treatment"),
         ("ứng phó sự cố tràn dầu", "oil spill response"), ("xử lý khí thải lò hơi", "boiler flue gas treatment"),
         ("tái chế chất thải nhựa", "plastic waste recycling"), ("xử lý bùn thải", "sludge treatment"),
         ("cấp nước sạch nông thôn", "rural clean water supply")],
        [("khu công nghiệp", "industrial parks"), ("khu dân cư", "residential areas"), ("làng nghề", "craft villages"),
         ("vịnh Lan Hạ", "Lan Ha Bay")],
        ["bằng công nghệ màng lọc sinh học MBR", "kết hợp thiếu khí và hiếu khí", "bằng oxy hóa nâng cao",
         "sử dụng đất ngập nước kiến tạo", "bằng keo tụ điện hóa"],
        ["nước thải", "xử lý nước thải", "wastewater", "môi trường", "quan trắc", "chất thải rắn", "khí thải", "MBR",
         "tái chế", "tràn dầu"],
    ),
    Domain(  # biomedicine
        ["y-sinh"],
        [("kit chẩn đoán nhanh", "rapid diagnostic kits"),
         ("thực phẩm bảo vệ sức khỏe từ dược liệu", "herbal health supplements"),
         ("vật liệu cấy ghép xương", "bone graft materials"),
         ("chiết xuất hoạt chất từ rong biển", "bioactive extraction from seaweed"),
         ("vắc xin thú y", "veterinary vaccines"),
         ("thiết bị theo dõi bệnh nhân từ xa", "remote patient monitoring devices"),
         ("men vi sinh probiotic", "probiotics"), ("băng gạc nano bạc", "silver nanoparticle dressings")],
        [("bệnh viện tuyến huyện", "district hospitals"), ("doanh nghiệp dược phẩm", "pharmaceutical companies"),
         ("trang trại chăn nuôi", "livestock farms"), ("cơ sở y tế", "health facilities")],
        ["bằng kỹ thuật sinh học phân tử", "trên cơ sở kháng thể đơn dòng", "bằng chiết xuất siêu tới hạn CO2",
         "ứng dụng công nghệ nano", "kết hợp thiết bị đeo và ứng dụng di động"],
        ["y sinh", "y tế", "chẩn đoán", "dược liệu", "vắc xin", "ELISA", "nano bạc", "probiotic", "sinh học phân tử",
         "thiết bị y tế"],
    ),
    Domain(  # construction
        ["xay-dung"],
        [("xử lý nền đất yếu", "soft ground improvement"), ("cọc xi măng đất", "soil-cement columns"),
         ("nhà lắp ghép tiết kiệm năng lượng", "energy-efficient prefabricated buildings"),
         ("mô hình thông tin công trình BIM", "building information modelling"),
         ("quan trắc lún công trình", "settlement monitoring"), ("kè bảo vệ bờ biển", "coastal revetments"),
         ("sửa chữa kết cấu bê tông cốt thép", "reinforced concrete repair"),
         ("đường giao thông nông thôn", "rural roads")],
        [("công trình ven biển", "coastal works"), ("khu đô thị mới", "new urban areas"),
         ("nhà xưởng công nghiệp", "industrial buildings"),
         ("bãi container và kho hàng", "container yards and warehouses")],
        ["kết hợp bấc thấm và gia tải trước", "bằng cấu kiện bê tông đúc sẵn", "sử dụng cảm biến sợi quang",
         "ứng dụng mô hình phần tử hữu hạn", "bằng vật liệu polyme gia cường sợi carbon"],
        ["xây dựng", "nền đất yếu", "BIM", "bê tông", "kè biển", "quan trắc lún", "cọc", "nhà lắp ghép", "kết cấu",
         "hạ tầng"],
    ),
    Domain(  # aerospace, drones
        ["hang-khong-vu-tru"],
        [("thiết bị bay không người lái kiểm tra kết cấu", "UAV structural inspection"),
         ("ảnh vệ tinh giám sát bờ biển", "satellite coastline monitoring"),
         ("vệ tinh siêu nhỏ CubeSat", "CubeSat nanosatellites"), ("bản đồ ba chiều bằng UAV", "3D mapping with UAVs"),
         ("bảo dưỡng động cơ máy bay", "aircraft engine maintenance"), ("radar thời tiết", "weather radar"),
         ("định vị GNSS độ chính xác cao", "high-precision GNSS positioning")],
        [("vùng ven biển", "coastal zones"), ("cảng hàng không Cát Bi", "Cat Bi airport"),
         ("công tác tìm kiếm cứu nạn", "search and rescue"), ("quản lý đất đai", "land management")],
        ["kết hợp trí tuệ nhân tạo phát hiện hư hỏng", "bằng ảnh radar độ mở tổng hợp",
         "sử dụng LiDAR và máy ảnh đa phổ",
         "với trạm tham chiếu RTK", "bằng xử lý ảnh viễn thám"],
        ["UAV", "drone", "thiết bị bay không người lái", "vệ tinh", "viễn thám", "GNSS", "LiDAR", "hàng không",
         "flycam", "bản đồ số"],
    ),
    Domain(  # semiconductors
        ["ban-dan", "cong-nghe-cao"],
        [("đóng gói vi mạch", "chip packaging"), ("thiết kế vi mạch cảm biến", "sensor IC design"),
         ("chế tạo linh kiện MEMS", "MEMS device fabrication"), ("đèn LED công suất cao", "high-power LEDs"),
         ("bản mạch in nhiều lớp", "multilayer printed circuit boards"),
         ("thu hồi kim loại từ chất thải điện tử", "metal recovery from e-waste"),
         ("chip nhận dạng RFID", "RFID chips"), ("kiểm thử vi mạch", "chip testing")],
        [("nhà máy điện tử", "electronics plants"), ("khu công nghệ cao", "high-tech parks"),
         ("doanh nghiệp bán dẫn", "semiconductor firms"), ("phòng sạch", "clean rooms")],
        ["bằng công nghệ hàn dây", "trên đế silic", "ứng dụng quang khắc", "bằng chiết dung môi",
         "theo quy trình CMOS"],
        ["bán dẫn", "vi mạch", "chip", "semiconductor", "MEMS", "LED", "điện tử", "PCB", "đóng gói", "phòng sạch"],
    ),
]

HEADS = ["Hệ thống", "Công nghệ", "Quy trình", "Giải pháp", "Thiết bị", "Phần mềm", "Mô hình", "Chế phẩm", "Vật liệu",
         "Nghiên cứu ứng dụng"]
BENEFITS = ["giảm chi phí vận hành", "tăng năng suất lao động", "nâng cao độ chính xác", "tiết kiệm năng lượng",
            "giảm phát thải khí nhà kính", "kéo dài tuổi thọ công trình", "rút ngắn thời gian xử lý",
            "bảo đảm an toàn lao động", "giảm tỷ lệ hao hụt", "nâng cao chất lượng sản phẩm"]
PLACES = ["cảng Đình Vũ", "khu công nghiệp Tràng Duệ", "huyện Thủy Nguyên", "đảo Cát Bà",
          "khu kinh tế Đình Vũ – Cát Hải",
          "nhà máy đóng tàu Bạch Đằng", "huyện Tiên Lãng", "quận Hải An", "huyện Kiến Thụy",
          "khu công nghiệp Nam Cầu Kiền", "thành phố Hải Phòng", "tỉnh Quảng Ninh"]
PROBLEMS = ["còn phụ thuộc nhiều vào thao tác thủ công, chi phí vận hành cao và khó kiểm soát chất lượng",
            "đang chịu áp lực lớn về môi trường và yêu cầu ngày càng chặt chẽ của cơ quan quản lý",
            "thiếu dữ liệu đo đạc liên tục nên việc ra quyết định thường chậm và thiếu chính xác",
            "phải nhập khẩu thiết bị với giá thành cao, thời gian bảo hành và sửa chữa kéo dài"]
METRICS = ["hiệu suất xử lý", "độ chính xác nhận dạng", "tỷ lệ thu hồi", "hiệu quả kinh tế", "độ bền sau thử nghiệm"]
STANDARDS = ["tiêu chuẩn TCVN hiện hành", "QCVN 40:2011/BTNMT", "ISO 12944", "ISO 9001:2015", "tiêu chuẩn IEC 61724"]
MODE_PHRASES = {"license": "quyền sử dụng sáng chế", "turnkey": "trọn gói công nghệ", "consulting": "dịch vụ tư vấn",
                "joint_venture": "hình thức liên doanh", "training": "gói đào tạo kỹ thuật"}
INSTITUTE_NAMES = ["Viện Hóa học", "Viện Công nghệ môi trường", "Viện Công nghệ sinh học", "Viện Khoa học vật liệu",
                   "Viện Cơ học", "Viện Tài nguyên và Môi trường biển", "Viện Công nghệ thông tin", "Viện Vật lý",
                   "Viện Địa chất và Địa vật lý biển", "Viện Khoa học năng lượng", "Viện Công nghệ vũ trụ",
                   "Viện Hải dương học", "Viện Nghiên cứu hệ gen", "Viện Hóa sinh biển", "Viện Kỹ thuật nhiệt đới",
                   "Viện Sinh thái và Tài nguyên sinh vật", "Viện Địa lý", "Viện Toán học", "Viện Khoa học địa chất",
                   "Viện Vật lý địa cầu"]


def institute_name(number: int) -> str:
    base = INSTITUTE_NAMES[number % len(INSTITUTE_NAMES)]
    return base if number < len(INSTITUTE_NAMES) else f"{base} – Phân viện {number // len(INSTITUTE_NAMES) + 1}"


# --- The catalogue ------------------------------------------------------------------------------------------------


@dataclass
class Record:
    """One generated technology, as both the index and the database want it."""

    number: int
    title: str
    title_en: str
    summary: str
    description: str
    description_en: str
    keywords: list[str]
    sectors: list[str]
    institute: int  # 0-based
    trl: int
    modes: list[str]
    published_at: datetime

    @property
    def code(self) -> str:
        return f"BM-{self.number:06d}"


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def generate(count: int, seed: int = SEED) -> Iterator[Record]:
    """``count`` technologies (about 150 syllables each), the same for the same seed."""
    rng = random.Random(seed)
    for number in range(count):
        domain = rng.choice(DOMAINS)
        (obj, obj_en), (obj2, obj2_en) = rng.sample(domain.objects, 2)
        ctx, ctx_en = rng.choice(domain.contexts)
        ctx2 = rng.choice(rng.choice(DOMAINS).contexts)[0] if rng.random() < 0.3 else rng.choice(domain.contexts)[0]
        method, method2 = rng.sample(domain.methods, 2)
        head = rng.choice(HEADS)
        benefit1, benefit2, benefit3 = rng.sample(BENEFITS, 3)
        place = rng.choice(PLACES)
        title = f"{head} {obj} {rng.choice(['cho', 'tại', 'phục vụ', 'ứng dụng trong'])} {ctx}"
        title_en = f"{_cap(obj_en)} for {ctx_en}"
        if rng.random() < 0.05:  # imported from an English-language list
            title, title_en = title_en, ""
        elif rng.random() < 0.3:
            title_en = ""
        modes = rng.sample(MODES, rng.randint(1, 3))
        summary = (f"{head} {obj} {method} giúp {benefit1} và {benefit2} cho {ctx}. "
                   f"Đã thử nghiệm tại {place}.")
        sentences = [
            f"Công nghệ {obj2} {method2} do nhóm nghiên cứu phát triển trong {rng.randint(2, 6)} năm.",
            f"Thử nghiệm tại {rng.choice(PLACES)} cho thấy {rng.choice(METRICS)} đạt {rng.randint(85, 99)}%, "
            f"{benefit3} khoảng {rng.randint(15, 45)}% so với phương pháp truyền thống.",
            f"Sản phẩm đáp ứng {rng.choice(STANDARDS)}.",
            f"Đơn vị sẵn sàng chuyển giao {MODE_PHRASES[modes[0]]}, đào tạo vận hành và bảo trì "
            f"{rng.randint(1, 5)} năm.",
        ]
        if rng.random() < 0.5:
            sentences.insert(0, f"Hiện nay {ctx2} {rng.choice(PROBLEMS)}.")
        description = " ".join(sentences)
        description_en = ""
        if rng.random() < 0.3:
            description_en = (f"{_cap(obj_en)} for {ctx_en}, tested in Hai Phong; "
                              f"available as {', '.join(m.replace('_', ' ') for m in modes)}.")
        keywords = rng.sample(domain.keywords, rng.randint(3, 6))
        sectors = [domain.sectors[0]]
        if len(domain.sectors) > 1 and rng.random() < 0.5:
            sectors.append(domain.sectors[1])
        if rng.random() < 0.1:
            extra = rng.choice(SECTORS)
            if extra not in sectors:
                sectors.append(extra)
        yield Record(
            number=number, title=title, title_en=title_en, summary=summary, description=description,
            description_en=description_en, keywords=keywords, sectors=sectors, institute=rng.randrange(INSTITUTES),
            trl=rng.choices(range(1, 10), weights=[1, 2, 4, 6, 8, 9, 8, 6, 4])[0], modes=modes,
            published_at=BASE_DATE - timedelta(minutes=rng.randrange(720 * 24 * 60)),
        )


def index_doc(record: Record) -> IndexDoc:
    return IndexDoc(
        id=record.number + 1, version=1, code=record.code, title=record.title, title_en=record.title_en,
        keywords=record.keywords, summary=record.summary, description=record.description,
        description_en=record.description_en, sectors=record.sectors, institute_id=record.institute + 1,
        trl=record.trl, transfer_modes=record.modes, priority=bool(PRIORITY_SECTORS & set(record.sectors)),
        stale=False, published_at=record.published_at,
    )


def syllables(record: Record) -> int:
    return sum(len(text.split()) for text in (record.title, record.summary, record.description, *record.keywords))


# --- The query mix ------------------------------------------------------------------------------------------------

KINDS = ("exact", "unaccented", "english", "prefix", "typo", "multi", "facet", "empty")
PER_KIND = 26


@dataclass
class BenchQuery:
    kind: str
    text: str = ""
    sectors: list[str] = field(default_factory=list)
    modes: list[str] = field(default_factory=list)
    trl_min: int | None = None
    sort: str = "relevance"

    def search_query(self) -> SearchQuery:
        filters = {}
        if self.sectors:
            filters["sector"] = list(self.sectors)
        if self.modes:
            filters["transfer_mode"] = list(self.modes)
        return SearchQuery(text=self.text, filters=filters, trl_min=self.trl_min, sort=self.sort, page=1,
                           per_page=PER_PAGE)

    def params(self) -> str:
        pairs: list[tuple[str, str]] = []
        if self.text:
            pairs.append(("q", self.text))
        pairs += [("sector", s) for s in self.sectors] + [("transfer_mode", m) for m in self.modes]
        if self.trl_min:
            pairs.append(("trl_min", str(self.trl_min)))
        if self.sort != "relevance":
            pairs.append(("sort", self.sort))
        return urllib.parse.urlencode(pairs)


def _phrase(rng: random.Random) -> str:
    """A Vietnamese phrase someone would type: a part of a technology's object, a keyword, or a context."""
    domain = rng.choice(DOMAINS)
    choice = rng.random()
    if choice < 0.5:
        words = rng.choice(domain.objects)[0].split()
        if len(words) > 2:
            size = rng.randint(2, min(4, len(words)))
            start = rng.randrange(len(words) - size + 1)
            words = words[start:start + size]
        return " ".join(words)
    if choice < 0.8:
        return rng.choice([k for k in domain.keywords if not k.isascii()] or domain.keywords)
    return rng.choice(domain.contexts)[0]


def _typo(rng: random.Random, word: str) -> str:
    position = rng.randrange(1, len(word) - 1)
    action = rng.choice(["delete", "swap", "replace"])
    if action == "delete":
        return word[:position] + word[position + 1:]
    if action == "swap":
        return word[:position] + word[position + 1] + word[position] + word[position + 2:]
    letter = rng.choice([c for c in "aeioubcdghklmnprstu" if c != word[position]])
    return word[:position] + letter + word[position + 1:]


def query_mix(seed: int = SEED) -> list[BenchQuery]:
    """208 queries: 26 of each kind, in an interleaved fixed order."""
    rng = random.Random(seed + 1)
    by_kind: dict[str, list[BenchQuery]] = {kind: [] for kind in KINDS}
    while any(len(queries) < PER_KIND for queries in by_kind.values()):
        if len(by_kind["exact"]) < PER_KIND:
            by_kind["exact"].append(BenchQuery("exact", _phrase(rng)))
        if len(by_kind["unaccented"]) < PER_KIND:
            by_kind["unaccented"].append(BenchQuery("unaccented", fold_diacritics(_phrase(rng)).lower()))
        if len(by_kind["english"]) < PER_KIND:
            domain = rng.choice(DOMAINS)
            english = rng.choice(domain.objects)[1].split()
            size = rng.randint(1, min(3, len(english)))
            start = rng.randrange(len(english) - size + 1)
            text = " ".join(english[start:start + size]) if rng.random() < 0.7 else rng.choice(domain.contexts)[1]
            by_kind["english"].append(BenchQuery("english", text))
        if len(by_kind["prefix"]) < PER_KIND:
            words = _phrase(rng).split()
            last = words[-1]
            if len(last) >= 3:
                words[-1] = last[:rng.randint(2, len(last) - 1)]
                text = " ".join(words)
                by_kind["prefix"].append(BenchQuery("prefix", fold_diacritics(text) if rng.random() < 0.5 else text))
        if len(by_kind["typo"]) < PER_KIND:
            words = fold_diacritics(_phrase(rng)).lower().split()
            long_words = [i for i, w in enumerate(words) if len(w) >= 5]
            if long_words:
                i = rng.choice(long_words)
                words[i] = _typo(rng, words[i])
                by_kind["typo"].append(BenchQuery("typo", " ".join(words)))
        if len(by_kind["multi"]) < PER_KIND:
            domain = rng.choice(DOMAINS)
            text = f"{rng.choice(domain.objects)[0]} {rng.choice(domain.contexts)[0]}"
            if rng.random() < 0.3:
                text += " " + rng.choice(domain.keywords)
            by_kind["multi"].append(BenchQuery("multi", fold_diacritics(text) if rng.random() < 0.4 else text))
        if len(by_kind["facet"]) < PER_KIND:
            domain = rng.choice(DOMAINS)
            query = BenchQuery("facet", rng.choice(domain.objects)[0].rsplit(" ", 1)[0])
            query.sectors = [domain.sectors[0]] if rng.random() < 0.7 else rng.sample(SECTORS, 2)
            if rng.random() < 0.3:
                query.trl_min = rng.randint(4, 7)
            if rng.random() < 0.2:
                query.modes = [rng.choice(MODES)]
            by_kind["facet"].append(query)
        if len(by_kind["empty"]) < PER_KIND:
            query = BenchQuery("empty", sort="newest")
            if rng.random() < 0.5:
                query.sectors = [rng.choice(SECTORS)]
            by_kind["empty"].append(query)
    mixed = [query for group in zip(*by_kind.values(), strict=True) for query in group]
    return mixed


# --- Measures -----------------------------------------------------------------------------------------------------


def latencies(call: Callable[[object], object], items: list, warm_up: int = 5) -> list[float]:
    """Milliseconds per call of ``call(item)``, after a few unmeasured calls."""
    for item in items[:warm_up]:
        call(item)
    samples = []
    for item in items:
        started = time.perf_counter()
        call(item)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def percentile(samples: list[float], p: float) -> float:
    """Nearest-rank percentile of ``samples`` (milliseconds)."""
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def _status_mb(pid: int | str, key: str) -> float:
    """VmRSS or VmHWM (peak) of a process, in MB; 0 when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _dir_mb(path: Path) -> float:
    return sum(item.stat().st_size for item in path.rglob("*") if item.is_file()) / 1e6


def _latency_line(label: str, samples: list[float]) -> str:
    return (f"{label:<12} n={len(samples):<4} p50 {percentile(samples, 50):6.2f} ms  "
            f"p95 {percentile(samples, 95):6.2f} ms  p99 {percentile(samples, 99):6.2f} ms  max {max(samples):7.2f} ms")


# --- In-process ---------------------------------------------------------------------------------------------------


def run_in_process(size: int, rounds: int, max_seconds: float, profile: bool, index_dir: str | None,
                   dump: str | None, results) -> None:  # noqa: ANN001
    """Build the index of ``size`` documents and time the query mix; in a fresh process.

    :param index_dir: keep the index in ``index_dir/<size>`` and reuse it when a previous run completed it there
        (the catalogue is deterministic), so that query timings can be repeated without rebuilding; None: a
        temporary directory, removed at the end.
    :param dump: write every result of the mix to ``<dump>.<size>.json``.
    """
    with tempfile.TemporaryDirectory(prefix="bench-search-") as tmp:
        path = Path(index_dir) / str(size) if index_dir else Path(tmp) / "index"
        _run_in_process(path, size, rounds, max_seconds, profile, dump, results)


def _run_in_process(path: Path, size: int, rounds: int, max_seconds: float, profile: bool, dump: str | None,
                    results) -> None:  # noqa: ANN001
    from search.embedded import SCHEMA_VERSION, EmbeddedBackend

    baseline = _status_mb("self", "VmRSS")
    backend = EmbeddedBackend(str(path))
    # Written after a complete build: an interrupted build, or one of an older index layout, is not reused.
    complete = path / "bench-complete"
    generating = [0.0]
    count_syllables = [0]

    def docs() -> Iterator[IndexDoc]:
        records = generate(size)
        while True:
            started = time.perf_counter()
            record = next(records, None)
            if record is None:
                return
            doc = index_doc(record)
            count_syllables[0] += syllables(record)
            generating[0] += time.perf_counter() - started
            yield doc

    build = float("nan")
    if complete.exists() and complete.read_text() == SCHEMA_VERSION:
        print(f"[{size:>7,} docs] reusing the index in {path}", flush=True)
    else:
        complete.unlink(missing_ok=True)
        started = time.perf_counter()
        backend.rebuild(docs())
        total = time.perf_counter() - started
        build = total - generating[0]
        complete.write_text(SCHEMA_VERSION)
    disk = _dir_mb(path)
    segments = len(list(path.glob("*.store")))
    after_build = _peak_mb()
    if generating[0]:
        print(f"[{size:>7,} docs] generated in {generating[0]:5.1f} s "
              f"({count_syllables[0] / size:.0f} syllables/doc); index built in {build:6.1f} s "
              f"({size / build:,.0f} docs/s); {disk:6.1f} MB on disk, {segments} segment(s); "
              f"peak RSS {after_build:.0f} MB", flush=True)

    mix = query_mix()
    queries = [(q.kind, q.search_query()) for q in mix]
    for _kind, query in queries:  # warm-up: page cache, lazy opens
        backend.search(query)
    samples: dict[str, list[float]] = {kind: [] for kind in KINDS}
    # CPU time of the searching thread, and of the whole process (with the facet-count threads): on a machine
    # that something else keeps busy, wall-clock figures swing 2-3x, these much less.
    thread_cpu: list[float] = []
    process_cpu: list[float] = []
    totals: list[int] = []
    deadline = time.perf_counter() + max_seconds
    for _round in range(rounds):
        for kind, query in queries:
            started, thread_started, process_started = time.perf_counter(), time.thread_time(), time.process_time()
            result = backend.search(query)
            samples[kind].append((time.perf_counter() - started) * 1000)
            thread_cpu.append((time.thread_time() - thread_started) * 1000)
            process_cpu.append((time.process_time() - process_started) * 1000)
            totals.append(result.total)
        if time.perf_counter() > deadline:
            break
    everything = [s for group in samples.values() for s in group]
    print(f"[{size:>7,} docs] {_latency_line('all queries', everything)}", flush=True)
    print(f"{'':<15}CPU time: searching thread p50 {percentile(thread_cpu, 50):6.2f} ms  p95 "
          f"{percentile(thread_cpu, 95):6.2f} ms; all threads p50 {percentile(process_cpu, 50):6.2f} ms  p95 "
          f"{percentile(process_cpu, 95):6.2f} ms", flush=True)
    for kind in KINDS:
        print(f"{'':<15}{_latency_line(kind, samples[kind])}", flush=True)
    empty_results = sum(1 for total in totals if total == 0)
    rss = _status_mb("self", "VmRSS")
    print(f"[{size:>7,} docs] {empty_results} of {len(totals)} searches found nothing; median total "
          f"{percentile(totals, 50):,.0f} hits; RSS {baseline:.0f} MB at start, {rss:.0f} MB while searching, "
          f"peak {_peak_mb():.0f} MB", flush=True)
    if dump:
        # Every result of the mix in full (ids, scores, highlights, facet counts), to check that a change to the
        # backend leaves the results as they were: compare two dumps.
        with open(f"{dump}.{size}.json", "w", encoding="utf-8") as out:
            json.dump([dataclasses.asdict(backend.search(query)) for _kind, query in queries], out,
                      ensure_ascii=False, indent=0)
        print(f"[{size:>7,} docs] results written to {dump}.{size}.json", flush=True)
    if profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for _kind, query in queries:
            backend.search(query)
        profiler.disable()
        print(f"[{size:>7,} docs] profile of one pass of the mix ({len(queries)} searches), by own time:")
        stats = pstats.Stats(profiler, stream=sys.stdout)
        stats.sort_stats("tottime").print_stats(18)
        sys.stdout.flush()
    results.put({
        "size": size, "build": build, "generate": generating[0], "disk": disk, "segments": segments,
        "p50": percentile(everything, 50), "p95": percentile(everything, 95), "p99": percentile(everything, 99),
        "kinds": {kind: (percentile(v, 50), percentile(v, 95)) for kind, v in samples.items()},
        "samples": len(everything), "peak": _peak_mb(), "rss": rss,
    })


def in_fresh_process(target, *args: object) -> dict:  # noqa: ANN001
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    process = context.Process(target=target, args=(*args, results))
    process.start()
    try:
        while True:
            try:
                return results.get(timeout=5)
            except queue.Empty:
                if not process.is_alive():
                    raise RuntimeError(f"the benchmark process failed (exit code {process.exitcode})") from None
    finally:
        process.join(timeout=30)


# --- Through HTTP -------------------------------------------------------------------------------------------------


def build_database(tmp: Path, size: int) -> tuple[str, str, float, float]:
    """A migrated SQLite database with ``size`` published technologies, and its index.

    :returns: (database URL, index directory, seconds to fill the database, seconds of ``flask search reindex``)
    """
    import flask_migrate
    import sqlalchemy as sa

    from marketplace import create_app
    from marketplace.config import ProductionConfig
    from marketplace.extensions import db
    from marketplace.models import Organization, Sector, Technology, technology_sectors

    database = f"sqlite:///{tmp / 'bench.db'}"
    index_dir = str(tmp / "search-index")
    app = create_app(ProductionConfig, SECRET_KEY="bench-search", SQLALCHEMY_DATABASE_URI=database,
                     SEARCH_INDEX_DIR=index_dir, SEARCH_BACKEND="embedded", RATELIMIT_ENABLED=False,
                     SEARCH_SYNC_ON_REQUEST=False)
    with app.app_context():
        flask_migrate.upgrade()
        started = time.perf_counter()
        now = datetime.now(UTC)
        sector_ids = dict(db.session.execute(sa.select(Sector.slug, Sector.id)).all())
        db.session.execute(sa.insert(Organization.__table__), [
            {"id": 1000 + n, "kind": "institute", "name": institute_name(n), "short_name": f"V{n:02d}",
             "created_at": now, "updated_at": now} for n in range(INSTITUTES)])
        technologies, links = [], []
        for record in generate(size):
            technologies.append({
                "id": record.number + 1, "code": record.code, "slug": slugify(record.title) or "cong-nghe",
                "title": record.title, "title_en": record.title_en or None, "summary": record.summary,
                "description": record.description, "description_en": record.description_en or None,
                "keywords": record.keywords, "trl": record.trl, "transfer_modes": record.modes,
                "price_negotiable": True, "status": "published", "institute_id": 1000 + record.institute,
                "version_id": 1, "published_at": record.published_at, "confirmed_at": now, "created_at": now,
                "updated_at": now})
            links += [{"technology_id": record.number + 1, "sector_id": sector_ids[slug]} for slug in record.sectors]
            if len(technologies) >= 2000:
                db.session.execute(sa.insert(Technology.__table__), technologies)
                technologies = []
        if technologies:
            db.session.execute(sa.insert(Technology.__table__), technologies)
        db.session.execute(sa.insert(technology_sectors), links)
        db.session.commit()
        filled = time.perf_counter() - started
    started = time.perf_counter()
    outcome = app.test_cli_runner().invoke(args=["search", "reindex"])
    if outcome.exit_code != 0:
        raise RuntimeError(f"flask search reindex failed: {outcome.output}") from outcome.exception
    return database, index_dir, filled, time.perf_counter() - started


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Gunicorn:
    """A gunicorn serving the app on 127.0.0.1; stopped (with its workers) on exit, also on errors."""

    def __init__(self, tmp: Path, database: str, index_dir: str, workers: int, threads: int) -> None:
        self.port = _free_port()
        self.log = tmp / f"gunicorn-{workers}x{threads}.log"
        # run.sh's settings (with their access log, kept in a file of its own: gunicorn appends to it, while its
        # errors go to self.log), the workers and threads of this run.
        self.command = [str(ROOT / ".venv" / "bin" / "gunicorn"), "--config", f"python:{SERVER_SETTINGS}",
                        "--workers", str(workers), "--threads", str(threads), "--bind", f"127.0.0.1:{self.port}",
                        "--access-logfile", str(self.log.with_suffix(".access.log")), "--timeout", "60",
                        "--log-level", "warning", "marketplace:create_app()"]
        self.env = {key: value for key, value in os.environ.items()
                    if key not in {"ELASTICSEARCH_URL", "REDIS_URL", "SEARCH_BACKEND", "TRUSTED_HOSTS", "PROXY_FIX"}}
        self.env.update(APP_ENV="production", SECRET_KEY="bench-search-" + os.urandom(8).hex(), DATABASE_URL=database,
                        SEARCH_INDEX_DIR=index_dir, SEARCH_BACKEND="embedded", RATELIMIT_ENABLED="0",
                        SEARCH_SYNC_ON_REQUEST="0", MAIL_DISPATCH="cron")
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Gunicorn:
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(self.command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({self.process.returncode}):\n{self.log.read_text()[-3000:]}")
            try:
                status, _body = self.get("/api/v1/technologies?q=cang+bien")
                if status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer in 60 s:\n{self.log.read_text()[-3000:]}")

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def get(self, path: str) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def workers(self) -> list[int]:
        """The worker processes' ids (children of the master)."""
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if self.process and int(fields[1]) == self.process.pid:
                pids.append(int(stat.parent.name))
        return pids

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # the master stops its workers gracefully
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@dataclass
class LoadResult:
    latencies: list[float]
    errors: int
    seconds: float
    bytes: int
    client_cpu: float = 0.0  # CPU seconds the client threads used

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0


def drive(port: int, paths: list[str], clients: int, seconds: float, max_requests: int) -> LoadResult:
    """``clients`` threads, each with one keep-alive connection (reopened when the server closes it), sending the
    paths in turn until ``seconds`` have passed or ``max_requests`` were sent."""
    counter = itertools.count()
    latencies: list[float] = []
    errors = [0]
    received = [0]
    lock = threading.Lock()
    start_line = threading.Barrier(clients + 1)
    deadline = [0.0]

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine, failed, size = [], 0, 0
        start_line.wait()
        while True:
            n = next(counter)
            if n >= max_requests or time.perf_counter() >= deadline[0]:
                break
            started = time.perf_counter()
            try:
                connection.request("GET", paths[n % len(paths)])
                response = connection.getresponse()
                body = response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                connection.close()
                ok, body = False, b""
            if ok:
                mine.append((time.perf_counter() - started) * 1000)
                size += len(body)
            else:
                failed += 1
        connection.close()
        with lock:
            latencies.extend(mine)
            errors[0] += failed
            received[0] += size

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    deadline[0] = time.perf_counter() + seconds
    started, cpu = time.perf_counter(), time.process_time()
    start_line.wait()
    for thread in threads:
        thread.join()
    return LoadResult(latencies, errors[0], time.perf_counter() - started, received[0], time.process_time() - cpu)


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time used so far by processes ``pids``."""
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def run_http(size: int, clients: int, seconds: float, max_requests: int, configs: list[tuple[int, int]]) -> list[dict]:
    rows = []
    mix = query_mix()
    endpoints = {"page": [f"/technologies?{q.params()}" for q in mix],
                 "api": [f"/api/v1/technologies?{q.params()}" for q in mix]}
    with tempfile.TemporaryDirectory(prefix="bench-search-http-") as name:
        tmp = Path(name)
        database, index_dir, filled, reindexed = build_database(tmp, size)
        print(f"[http {size:,}] database filled in {filled:.1f} s; flask search reindex {reindexed:.1f} s; "
              f"database {Path(tmp / 'bench.db').stat().st_size / 1e6:.1f} MB, index {_dir_mb(Path(index_dir)):.1f} MB",
              flush=True)
        for workers, threads in configs:
            label = config_label(workers, threads)
            with Gunicorn(tmp, database, index_dir, workers, threads) as server:
                status, body = server.get("/api/v1/technologies?q=nhan+dang+container")
                answer = json.loads(body)
                if status != 200 or answer.get("degraded") or not answer.get("total"):
                    raise RuntimeError(f"the search API is not answering from the index: {status} {body[:300]!r}")
                for path in endpoints["page"][:len(KINDS)]:
                    status, _body = server.get(path)
                    if status != 200:
                        raise RuntimeError(f"GET {path} answered {status}")
                drive(server.port, endpoints["page"] + endpoints["api"], clients, 4, 400)  # warm-up, both workers
                pids = server.workers()
                for endpoint, paths in endpoints.items():
                    server_cpu = _cpu_seconds(pids)
                    result = drive(server.port, paths, clients, seconds, max_requests)
                    server_cpu = _cpu_seconds(pids) - server_cpu
                    row = {"endpoint": endpoint, "config": label, "workers": workers, "threads": threads,
                           "rate": result.rate, "p50": percentile(result.latencies, 50),
                           "p95": percentile(result.latencies, 95), "p99": percentile(result.latencies, 99),
                           "n": len(result.latencies), "errors": result.errors,
                           "kb": result.bytes / max(1, len(result.latencies)) / 1024,
                           "server_cores": server_cpu / result.seconds,
                           "client_cores": result.client_cpu / result.seconds,
                           "cpu_ms": server_cpu * 1000 / max(1, len(result.latencies))}
                    rows.append(row)
                    print(f"[http {size:,}] {label:<24} {endpoint:<4} {row['n']:5} requests in {result.seconds:4.1f} s"
                          f"  {row['rate']:6.1f} req/s  p50 {row['p50']:6.1f} ms  p95 {row['p95']:6.1f} ms  "
                          f"p99 {row['p99']:6.1f} ms  {row['errors']} errors  {row['kb']:.0f} kB/response", flush=True)
                    print(f"{'':<14}workers used {row['server_cores']:.2f} cores "
                          f"({row['cpu_ms']:.1f} ms CPU per request), the client threads "
                          f"{row['client_cores']:.2f} cores", flush=True)
                memory = ", ".join(f"{_status_mb(pid, 'VmRSS'):.0f} MB (peak {_status_mb(pid, 'VmHWM'):.0f})"
                                   for pid in pids)
                print(f"[http {size:,}] {label}: worker RSS {memory}", flush=True)
                for row in rows:
                    if row["config"] == label:
                        row["worker_peak"] = max((_status_mb(pid, "VmHWM") for pid in pids), default=0.0)
    return rows


# --- Main ---------------------------------------------------------------------------------------------------------

SERVER_SETTINGS = "marketplace.gunicorn_config"  # what scripts/run.sh serves with


def run_script_config() -> tuple[int, int]:
    """The gunicorn workers and threads that ``scripts/run.sh`` serves with by default."""
    settings = importlib.import_module(SERVER_SETTINGS)
    return settings.DEFAULT_WORKERS, getattr(settings, "threads", 1)  # gunicorn's default: 1 thread


def config_label(workers: int, threads: int) -> str:
    label = f"{workers} sync workers" if threads == 1 else f"{workers} workers x {threads} threads"
    return label + (" (run.sh)" if (workers, threads) == run_script_config() else "")



def summary(in_process: list[dict], http_rows: list[dict], http_size: int, clients: int) -> None:
    print("\n## Search benchmark (embedded tantivy backend)\n")
    print(f"Generated Vietnamese catalogues; {len(query_mix())} queries ({PER_KIND} of each of {len(KINDS)} kinds: "
          f"{', '.join(KINDS)}), page 1 of 20 with facet counts. Machine: {describe()}.\n")
    if in_process:
        print("| documents | build | index on disk | p50 | p95 | p99 | slowest kind (p95) | peak RSS |")
        print("|---:|---:|---:|---:|---:|---:|---|---:|")
        for row in in_process:
            kind, (_p50, p95) = max(row["kinds"].items(), key=lambda item: item[1][1])
            build = "reused" if math.isnan(row["build"]) else f"{row['build']:.1f} s"
            print(f"| {row['size']:,} | {build} | {row['disk']:.0f} MB | {row['p50']:.2f} ms | "
                  f"{row['p95']:.2f} ms | {row['p99']:.2f} ms | {kind} ({p95:.1f} ms) | {row['peak']:.0f} MB |")
    if http_rows:
        print(f"\nThrough HTTP: {http_size:,} documents, gunicorn on 127.0.0.1, {clients} concurrent keep-alive "
              "clients on the same machine.\n")
        print("| endpoint | gunicorn | req/s | p50 | p95 | p99 | errors | worker cores | CPU per request "
              "| worker peak RSS |")
        print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for row in http_rows:
            path = "/technologies?q=" if row["endpoint"] == "page" else "/api/v1/technologies?q="
            print(f"| `{path}` | {row['config']} | {row['rate']:.0f} | {row['p50']:.1f} ms | {row['p95']:.1f} ms | "
                  f"{row['p99']:.1f} ms | {row['errors']} | {row['server_cores']:.2f} | {row['cpu_ms']:.1f} ms | "
                  f"{row.get('worker_peak', 0):.0f} MB |")
    print()
    largest = max(in_process, key=lambda row: row["size"]) if in_process else None
    if largest:
        verdict = "PASS" if largest["p95"] < IN_PROCESS_TARGET_MS else "FAIL"
        note = "" if largest["size"] >= 100_000 else f" (measured at {largest['size']:,}, the target is at 100,000)"
        print(f"{verdict}: in-process p95 {largest['p95']:.2f} ms at {largest['size']:,} documents, "
              f"target < {IN_PROCESS_TARGET_MS:.0f} ms{note}")
    deployed = (config_label(*run_script_config()), "page")
    pages = [row for row in http_rows if (row["config"], row["endpoint"]) == deployed]
    if pages:
        row = pages[0]
        verdict = "PASS" if row["p95"] < HTTP_TARGET_MS and row["errors"] == 0 else "FAIL"
        print(f"{verdict}: search page p95 {row['p95']:.1f} ms at {http_size:,} documents with {clients} clients "
              f"({row['config']}; the workers got {row['server_cores']:.2f} cores), target < {HTTP_TARGET_MS:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="catalogue sizes for the in-process runs")
    parser.add_argument("--rounds", type=int, default=2, help="passes over the query mix per size (after a warm-up)")
    parser.add_argument("--max-query-seconds", type=float, default=60, help="stop the passes after this long")
    parser.add_argument("--profile", action="store_true", help="profile one pass of the mix at the largest size")
    parser.add_argument("--index-dir", help="keep the in-process indexes here and reuse them on the next run "
                        "(default: build each in a temporary directory)")
    parser.add_argument("--dump", metavar="PREFIX", help="write every in-process result to PREFIX.<size>.json "
                        "(to compare the results of two versions of the backend)")
    parser.add_argument("--http-size", type=int, default=10_000, help="catalogue size served over HTTP (0: skip)")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--http-seconds", type=float, default=20, help="per endpoint and configuration")
    parser.add_argument("--http-requests", type=int, default=2000, help="per endpoint and configuration")
    parser.add_argument("--gunicorn", default="run",
                        help="workers x threads configurations to measure, e.g. run,2x2,3x1 (run: scripts/run.sh's)")
    args = parser.parse_args()
    # A plain `kill` still stops gunicorn: SystemExit unwinds through the server's context manager.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    started = time.perf_counter()
    sizes = [int(size) for size in args.sizes.split(",") if size.strip()]
    in_process = []
    for size in sizes:
        in_process.append(in_fresh_process(run_in_process, size, args.rounds, args.max_query_seconds,
                                           args.profile and size == max(sizes), args.index_dir, args.dump))
    http_rows: list[dict] = []
    if args.http_size:
        if shutil.which(str(ROOT / ".venv" / "bin" / "gunicorn")) is None:
            raise SystemExit("gunicorn is not installed in .venv")
        configs = [run_script_config() if config.strip() == "run" else tuple(int(n) for n in config.split("x"))
                   for config in args.gunicorn.split(",")]
        http_rows = run_http(args.http_size, args.clients, args.http_seconds, args.http_requests, configs)
    summary(in_process, http_rows, args.http_size, args.clients)
    print(f"(benchmark ran in {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
