"""The user guide's first pages (Vietnamese), per role: `manage.py seed_help` (run by `make run`
and `make dev`, and by the demo's seed) writes them into an empty guide; once the guide has
pages it is the administrators' and nothing is changed. `--force` adds the pages missing by key
(an administrator's edits are kept)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from ecabinet.audit import record_audit
from ecabinet.models import HelpPage
from ecabinet.richtext import sanitize

# key, audience, topic, order, title, summary, body (the rich-text subset)
PAGES: list[tuple[str, str, str, int, str, str, str]] = [
    ("bat-dau", "everyone", "general", 10, "Bắt đầu sử dụng eCabinet",
     "Đăng nhập, trang chủ, thanh điều hướng, thông báo và trợ giúp.",
     "<h2>Đăng nhập</h2><p>Mở địa chỉ của hệ thống, nhập <strong>tên đăng nhập</strong> và <strong>mật khẩu</strong> "
     "do quản trị đơn vị cấp. Nhập sai nhiều lần liên tiếp, tài khoản bị tạm khóa trong ít phút; khi cần, đề nghị "
     "quản trị mở khóa.</p><h2>Trang chủ</h2><p>Sau khi đăng nhập, trang chủ hiển thị các cuộc họp hôm nay và sắp tới "
     "của đồng chí, các thông báo kết luận cần xử lý. Lần đầu đăng nhập, hệ thống giới thiệu nhanh trang chủ; có thể "
     "xem lại từ trang Hướng dẫn sử dụng.</p><h2>Thanh điều hướng</h2><ul><li><strong>Cuộc họp</strong>: danh sách, lịch "
     "tuần, lịch tháng.</li><li><strong>Tài liệu</strong>, <strong>Ý kiến</strong>, <strong>Ký số</strong>: tài liệu họp, "
     "xin ý kiến bằng văn bản, văn bản cần ký.</li><li><strong>Thông báo</strong>: con số cho biết số thông báo chưa "
     "đọc.</li><li><strong>Trợ giúp</strong>: hướng dẫn đúng với trang đang mở.</li></ul><p>Trên điện thoại, thanh "
     "điều hướng thu gọn sau nút ☰ ở góc trên.</p><h2>Cần hỗ trợ?</h2><p>Mỗi trang hướng dẫn có đường dẫn "
     "<em>Gửi góp ý</em>: mô tả vấn đề, đính kèm ảnh chụp màn hình hoặc tệp PDF; đơn vị vận hành trả lời ngay trên "
     "hệ thống.</p>"),
    ("trang-chu", "everyone", "home", 20, "Trang chủ của đồng chí",
     "Cuộc họp hôm nay, cuộc họp sắp tới, thông báo kết luận đến hạn.",
     "<p>Trang chủ gồm:</p><ul><li><strong>Cuộc họp hôm nay</strong>: giờ họp và trạng thái; bấm vào tên cuộc họp để "
     "xem chương trình, tài liệu và vào phòng họp.</li><li><strong>Cuộc họp sắp tới</strong>: các cuộc họp đã có giấy "
     "mời.</li><li><strong>Thông báo kết luận</strong> (thư ký, lãnh đạo): thông báo cần soạn, duyệt hoặc ban hành, "
     "có đánh dấu quá hạn.</li></ul><p>Nút <strong>Trợ giúp</strong> trên thanh điều hướng mở hướng dẫn của trang "
     "đang xem.</p>"),
    ("thong-bao", "everyone", "notifications", 30, "Thông báo và nhắc việc",
     "Thông báo trong hệ thống, thư điện tử và thông báo đẩy trên thiết bị.",
     "<p>Giấy mời, thay đổi lịch họp, tài liệu mới, văn bản cần ký, phiếu xin ý kiến và nhắc hạn đều được gửi vào mục "
     "<strong>Thông báo</strong> và thư điện tử. Bấm <em>Đánh dấu tất cả đã đọc</em> để xóa con số chưa đọc.</p>"
     "<p>Trong <strong>Cài đặt thông báo</strong>, đồng chí bật thông báo đẩy cho trình duyệt hoặc điện thoại và chọn "
     "loại thông báo muốn nhận.</p>"),
    ("tai-khoan", "everyone", "account", 40, "Tài khoản, mật khẩu và mã truy cập",
     "Đổi mật khẩu, ngôn ngữ, mã truy cập cho ứng dụng khác.",
     "<h2>Đổi mật khẩu</h2><p>Chọn <strong>Mật khẩu</strong> trên thanh điều hướng, nhập mật khẩu hiện tại và mật khẩu "
     "mới (ít nhất 10 ký tự, không quá đơn giản). Đổi mật khẩu làm mọi mã truy cập cũ hết hiệu lực.</p><h2>Ngôn ngữ"
     "</h2><p>Chọn Tiếng Việt hoặc English ở góc trên bên phải.</p><h2>Mã truy cập</h2><p>Chỉ dùng khi phần mềm khác "
     "của cơ quan cần kết nối với eCabinet; mã chỉ hiện một lần, hãy thu hồi mã không còn dùng.</p>"),
    ("dai-bieu-cuoc-hop", "member", "meetings", 10, "Đại biểu: giấy mời, xác nhận tham dự, tài liệu",
     "Xem cuộc họp, xác nhận tham dự hoặc báo vắng, ủy quyền, đọc tài liệu.",
     "<h2>Giấy mời</h2><p>Khi thư ký phát hành giấy mời, đồng chí nhận thông báo và thư điện tử kèm tệp lịch (.ics). "
     "Mở cuộc họp để xem thời gian, địa điểm, chương trình và thành phần.</p><h2>Xác nhận tham dự</h2><p>Chọn "
     "<strong>Tham dự</strong> hoặc <strong>Vắng mặt</strong> (ghi lý do). Nếu cử người dự thay, chọn người được ủy "
     "quyền; người đó nhận giấy mời và tài liệu.</p><h2>Tài liệu</h2><p>Tài liệu được đọc ngay trên trình duyệt, kể cả "
     "trên điện thoại; có thể ghi chú riêng theo từng trang. Bản tải về có dấu tên người đọc. Tài liệu mật chỉ những "
     "người được chỉ định mới xem được.</p>"),
    ("dai-bieu-phong-hop", "member", "room", 10, "Đại biểu: điểm danh, phát biểu, biểu quyết",
     "Vào phòng họp, điểm danh bằng mã QR, đăng ký phát biểu, bỏ phiếu.",
     "<h2>Vào phòng họp</h2><p>Từ trang cuộc họp, bấm <strong>Vào phòng họp</strong>. Màn hình tự cập nhật theo diễn "
     "biến: nội dung đang thảo luận, người đang phát biểu, biểu quyết đang mở.</p><h2>Điểm danh</h2><p>Quét mã QR "
     "trình chiếu tại hội trường hoặc bấm <em>Điểm danh</em>; họp trực tuyến thì chọn tham dự từ xa.</p><h2>Phát "
     "biểu</h2><p>Bấm <strong>Đăng ký phát biểu</strong>; chủ trì cho phép theo thứ tự. Khi được mời, thời gian còn lại "
     "hiện trên màn hình.</p><h2>Biểu quyết</h2><p>Khi chủ trì mở biểu quyết, chọn phương án (ví dụ Đồng ý / Không "
     "đồng ý / Phiếu trắng) và xác nhận. Biểu quyết kín không lưu ai chọn gì.</p>"),
    ("dai-bieu-y-kien", "member", "opinions", 10, "Đại biểu: cho ý kiến bằng văn bản",
     "Trả lời phiếu xin ý kiến trước hạn, đính kèm văn bản, ký số.",
     "<p>Mục <strong>Ý kiến</strong> liệt kê các phiếu xin ý kiến gửi đồng chí và hạn trả lời. Mở phiếu, đọc dự thảo, "
     "chọn <em>Đồng ý</em>, <em>Không đồng ý</em> hoặc <em>Ý kiến khác</em>, ghi nội dung và đính kèm văn bản nếu cần. "
     "Khi phiếu yêu cầu, ký số câu trả lời bằng chứng thư của mình. Trước hạn một ngày, hệ thống nhắc nếu chưa trả "
     "lời.</p>"),
    ("ky-so", "member", "signing", 20, "Ký số văn bản",
     "Chứng thư số, mã PIN, ký văn bản và kiểm tra chữ ký.",
     "<h2>Chứng thư số</h2><p>Quản trị cấp chứng thư số cho đồng chí (lưu trên máy chủ, trên USB ký số hoặc dịch vụ ký "
     "số từ xa). Trang <strong>Chứng thư của tôi</strong> cho biết trạng thái và thời hạn; có thể tải lên ảnh chữ ký "
     "(PNG nền trong suốt).</p><h2>Ký văn bản</h2><p>Mục <strong>Ký số</strong> liệt kê văn bản chờ đồng chí ký. Mở văn "
     "bản, kiểm tra nội dung, nhập mã PIN và bấm <strong>Ký</strong>. Nhập sai mã PIN nhiều lần, chứng thư bị khóa; "
     "quản trị mở khóa.</p><h2>Kiểm tra chữ ký</h2><p>Trang <strong>Kiểm tra chữ ký</strong> cho phép bất kỳ ai tải lên "
     "tệp PDF để xác minh chữ ký số.</p>"),
    ("thu-ky-chuan-bi", "organiser", "meetings", 10, "Thư ký: chuẩn bị cuộc họp",
     "Tạo cuộc họp, thành phần, chương trình, phát hành giấy mời.",
     "<h2>Tạo cuộc họp</h2><p>Mục <strong>Cuộc họp</strong> → <strong>Tạo cuộc họp</strong>: tên, loại cuộc họp, thời "
     "gian, phòng họp, chủ trì, hình thức (trực tiếp, trực tuyến, kết hợp). Có thể sao chép một cuộc họp cũ.</p>"
     "<h2>Thành phần</h2><p>Thêm từng người hoặc cả đơn vị; ghi vai trò (chủ trì, thư ký, đại biểu, khách mời).</p>"
     "<h2>Chương trình</h2><p>Thêm các nội dung, thời lượng, người trình bày; kéo thả để sắp xếp.</p><h2>Giấy mời</h2>"
     "<p>Bấm <strong>Phát hành</strong>: hệ thống cấp số giấy mời, đóng dấu số của đơn vị và gửi cho thành phần. Đổi "
     "giờ hoặc địa điểm sau khi phát hành sẽ gửi thông báo thay đổi.</p>"),
    ("thu-ky-tai-lieu", "organiser", "documents", 10, "Thư ký: tài liệu cuộc họp",
     "Tải lên, phiên bản, phê duyệt, phân quyền đọc tài liệu mật.",
     "<p>Trong trang <strong>Tài liệu</strong> của cuộc họp, tải lên tệp PDF hoặc văn bản Word, Excel (hệ thống chuyển "
     "sang PDF). Sắp xếp theo thư mục và nội dung chương trình. Tài liệu mới cần được duyệt trước khi đại biểu xem. "
     "Tài liệu <em>mật</em> chỉ những người được chọn mới đọc được. Tải lên phiên bản mới khi có chỉnh sửa: đại biểu "
     "được thông báo và luôn đọc bản mới nhất.</p>"),
    ("thu-ky-dieu-hanh", "organiser", "room", 20, "Thư ký: phục vụ phiên họp",
     "Mở phiên họp, điểm danh, màn hình hội trường, biểu quyết, kết luận.",
     "<h2>Trong phiên họp</h2><ul><li>Bắt đầu phiên họp, theo dõi điểm danh và số đại biểu có mặt (đủ túc số).</li>"
     "<li>Chuyển nội dung chương trình, ghi kết luận từng nội dung, đính kèm văn bản kết luận.</li><li>Chuẩn bị sẵn "
     "các câu hỏi biểu quyết cho từng nội dung; chủ trì mở, tạm dừng và kết thúc biểu quyết.</li><li>Mở <strong>màn "
     "hình hội trường</strong> trên máy tính của hội trường bằng đường dẫn riêng của cuộc họp.</li></ul><h2>Sau phiên "
     "họp</h2><p>Xuất danh sách điểm danh (PDF, CSV), soạn biên bản và thông báo kết luận.</p>"),
    ("thu-ky-bien-ban", "organiser", "minutes", 10, "Thư ký: biên bản và thông báo kết luận",
     "Soạn biên bản từ diễn biến phiên họp, trình ký, thông báo kết luận.",
     "<h2>Biên bản</h2><p>Trang <strong>Biên bản</strong> của cuộc họp soạn sẵn dự thảo từ diễn biến: điểm danh, nội "
     "dung, kết luận, người phát biểu, kết quả biểu quyết. Chỉnh sửa bằng thanh công cụ, xem trước bản PDF, rồi "
     "<strong>Chốt và trình ký</strong>: thư ký ký trước, chủ trì ký sau.</p><h2>Thông báo kết luận</h2><p>Soạn thông "
     "báo, trình lãnh đạo duyệt; văn thư ban hành với số và dấu của đơn vị. Hạn ban hành hiện trên trang chủ.</p>"),
    ("chu-tri-dieu-hanh", "leader", "room", 10, "Chủ trì: điều hành phiên họp",
     "Cho phát biểu, điều hành biểu quyết, kết luận từng nội dung.",
     "<h2>Phát biểu</h2><p>Danh sách đăng ký phát biểu hiện theo thứ tự; bấm <strong>Mời phát biểu</strong>, theo dõi "
     "thời gian và kết thúc lượt.</p><h2>Biểu quyết</h2><p>Đi lần lượt các biểu quyết thư ký đã chuẩn bị: mở, tạm dừng, "
     "tiếp tục, kết thúc. Trước khi mở, xem đại biểu nào đã sẵn sàng. Kết quả gồm số người bỏ phiếu và số phiếu từng "
     "phương án.</p><h2>Kết luận</h2><p>Ghi hoặc duyệt kết luận từng nội dung; có thể giao nhiệm vụ kèm hạn xử lý.</p>"),
    ("lanh-dao-ket-luan", "leader", "minutes", 20, "Lãnh đạo: duyệt thông báo kết luận, ký biên bản",
     "Duyệt hoặc trả lại thông báo kết luận; ký số biên bản.",
     "<p>Thông báo kết luận trình duyệt hiện trên trang chủ với nhãn <em>chờ duyệt</em>. Mở thông báo, đọc bản xem "
     "trước, bấm <strong>Duyệt</strong> hoặc <strong>Trả lại</strong> kèm ý kiến. Biên bản đã chốt đến lượt đồng chí "
     "ký sẽ có trong mục <strong>Ký số</strong>.</p>"),
    ("quan-tri-nguoi-dung", "system_admin", "administration", 10, "Quản trị: người dùng, vai trò, danh mục",
     "Tạo tài khoản, gán vai trò, quản lý danh mục và chứng thư số.",
     "<p>Mục <strong>Quản trị</strong> dành cho quản trị hệ thống và quản trị đơn vị:</p><ul><li><strong>Người dùng"
     "</strong>: tạo tài khoản, gán đơn vị, chức vụ và vai trò (Thành viên, Thư ký, Lãnh đạo, Quản trị đơn vị...). "
     "Quản trị đơn vị chỉ quản lý người của đơn vị mình và đơn vị cấp dưới.</li><li><strong>Danh mục</strong>: loại "
     "cuộc họp, phòng họp, loại tài liệu.</li><li><strong>Chứng thư số</strong>: cấp, thu hồi, mở khóa mã PIN; chứng thư "
     "và con dấu của đơn vị.</li><li><strong>Nhật ký kiểm tra</strong>: mọi thao tác được ghi lại và không sửa được."
     "</li></ul>"),
    ("quan-tri-nhat-ky", "system_admin", "administration", 20, "Quản trị: nhật ký đăng nhập",
     "Lọc theo tài khoản, địa chỉ, thời gian; xuất CSV; thời hạn lưu.",
     "<p>Trang <strong>Nhật ký đăng nhập</strong> liệt kê mọi lần đăng nhập thành công và không thành công, qua trang "
     "web và qua API. Lọc theo tài khoản, địa chỉ IP (đúng địa chỉ, phần đầu như <em>10.2.</em> hoặc dải như "
     "<em>10.2.0.0/16</em>), kết quả, kênh và khoảng thời gian; xuất ra CSV.</p><p>Quản trị đơn vị chỉ thấy các lần "
     "đăng nhập của người thuộc đơn vị mình. Quản trị hệ thống đặt <strong>thời hạn lưu</strong> (mặc định 12 tháng) "
     "và xóa các bản ghi cũ hơn; việc xóa cũng chạy tự động hằng ngày và được ghi vào nhật ký kiểm tra.</p>"),
    ("quan-tri-tro-giup", "system_admin", "general", 30, "Quản trị: soạn hướng dẫn và xử lý góp ý",
     "Thêm, sửa, xóa trang hướng dẫn; ảnh, PDF, video; trả lời góp ý.",
     "<h2>Hướng dẫn sử dụng</h2><p>Trên trang <strong>Hướng dẫn sử dụng</strong>, bấm <em>Trang hướng dẫn mới</em>: "
     "tiêu đề, đối tượng (mọi người, đại biểu, thư ký, chủ trì, quản trị), chủ đề (trang nào của hệ thống mở hướng dẫn "
     "này), nội dung, thứ tự. Thêm ảnh PNG/JPEG, tệp PDF và đường dẫn video (https). Trang ở trạng thái nháp cho đến khi "
     "chọn <em>Công bố</em>.</p><h2>Góp ý</h2><p>Góp ý mới được gửi vào thông báo của quản trị hệ thống và thư điện tử "
     "của đơn vị vận hành. Mở góp ý, xem ảnh hoặc tệp đính kèm, ghi câu trả lời và bấm <strong>Đánh dấu đã xử lý"
     "</strong>; người gửi nhận được thông báo.</p>"),
]


def seed_help(*, force: bool = False) -> int:
    """Write the guide's pages (published) into an empty guide, or with `force` the pages missing
    by key; returns how many were created."""
    created = []
    with transaction.atomic():
        existing = set(HelpPage.objects.values_list("key", flat=True))
        if existing and not force:
            return 0
        for key, audience, topic, position, title, summary, body in PAGES:
            if key in existing:
                continue
            HelpPage.objects.create(key=key, **{
                "audience": audience, "topic": topic, "position": position, "title": title, "summary": summary,
                "body": sanitize(body), "published": True, "updated_at": timezone.now(),
            })
            created.append(key)
        if created:
            record_audit(actor=None, action="help.seed", details={"pages": created})
    return len(created)
