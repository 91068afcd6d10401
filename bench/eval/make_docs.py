"""Write the evaluation's Word and PDF documents (bench/eval/kbs/<kb>/*.docx, *.pdf).

The generated files are committed, so the evaluation's data stays fixed; run this only to
change them (``python bench/eval/make_docs.py [KB ...]``: the named knowledge bases, or all;
needs python-docx and fpdf2, the ``dev`` extras), then commit the result and check the
questions in bench/eval/questions/ still match.  The Markdown and text documents next to
them are written by hand.  A PDF with Cyrillic text (the Russian knowledge bases) is set in
DejaVu Sans, which must be installed (fonts-dejavu-core); the others in Helvetica.

Each knowledge base's Word file is laid out as an office would: headings, paragraphs and
a table; each PDF as a printed terms sheet (headings, paragraphs, sometimes a table), so
the loaders meet the layouts customers bring.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

KBS = Path(__file__).resolve().parent / "kbs"
#: Fixed document dates, so a re-run writes the same metadata.
DATE = dt.datetime(2025, 1, 15, 9, 0, 0, tzinfo=dt.timezone.utc)

# A document is a title plus blocks: ("h", text) heading, ("p", text) paragraph,
# ("table", [header, row, ...]).
Block = tuple[str, object]

DOCS: dict[str, dict[str, tuple[str, list[Block]]]] = {
    "greenhaugh": {
        "workshop.docx": ("Greenhaugh Groundcare - workshop, servicing and warranty", [
            ("h", "Servicing"),
            ("p", "Every machine should be serviced once a year, or every 100 hours for zero-turn and ride-on mowers and "
                  "every 250 hours for compact tractors, whichever comes first. A service includes the labour, engine oil, "
                  "oil, air and fuel filters, spark plugs, a blade sharpen and balance, greasing, a safety check and a "
                  "written report. Belts, blades and tyres are charged extra if they need replacing."),
            ("table", [["Machine", "Service price (excl. VAT)", "Usual time in the workshop"],
                       ["Petrol blower or hedge trimmer", "£65", "2 working days"],
                       ["Battery blower or hedge trimmer", "£38", "2 working days"],
                       ["Ride-on mower (RM-92, RM-107)", "£195", "5 working days"],
                       ["Petrol zero-turn mower (ZT-42, ZT-52, ZT-60)", "£265", "5 working days"],
                       ["Battery zero-turn mower (ZT-52E)", "£175", "5 working days"],
                       ["Compact tractor (CT-230, CT-270, CT-340)", "£345", "5 working days"]]),
            ("p", "The first 50-hour service on a new compact tractor bought from us is free of charge, parts and labour. "
                  "From March to May allow up to 10 working days in the workshop."),
            ("h", "Winter service"),
            ("p", "Book a service for any machine between 1 November and the end of February and we take 15 percent off "
                  "the service price."),
            ("h", "Repairs and labour rates"),
            ("table", [["Charge", "Price (excl. VAT)"],
                       ["Workshop labour, per hour", "£62"],
                       ["On-site labour, per hour, Monday to Friday", "£74"],
                       ["On-site labour, per hour, Saturday (contract customers only)", "£96"],
                       ["Call-out, up to 15 miles from Kelderby", "£68"],
                       ["Call-out, 15 to 40 miles from Kelderby", "£98"],
                       ["Inspection and written repair estimate", "£45"]]),
            ("p", "Labour is charged in quarter hours after the first hour. If you go ahead with the repair, the "
                  "inspection charge is taken off the bill. Parts are charged at list price."),
            ("h", "Collection and delivery"),
            ("p", "We collect mowers and tractors for servicing or repair with our own van and trailer and bring them back "
                  "afterwards. The price covers collection and return together."),
            ("table", [["Distance from Kelderby", "Collection and return"],
                       ["Up to 10 miles", "£30"],
                       ["10 to 25 miles", "£50"],
                       ["25 to 40 miles", "£75"],
                       ["Over 40 miles", "quoted"]]),
            ("p", "If we collect three or more ride-on mowers, zero-turns or tractors from the same site on the same day, "
                  "collection and return is free within 25 miles. Handheld tools are not collected: please bring them to "
                  "the parts counter."),
            ("p", "While your machine is in for repair we can lend you a similar hire machine at half the normal hire "
                  "rate, if one is free."),
            ("h", "Warranty"),
            ("p", "New zero-turn and ride-on mowers: 2 years or 500 hours, whichever comes first. The ZT-52E battery pack: "
                  "5 years or 2,500 hours. New compact tractors: 3 years or 1,500 hours. Battery blowers and hedge "
                  "trimmers: 2 years; GB-5, GB-8 and BP-14 batteries: 3 years. Petrol blowers and hedge trimmers: 1 year "
                  "in professional use. Ex-hire machines: 6 months."),
            ("p", "Our repairs are guaranteed for 6 months on labour and 12 months on the parts we fit."),
            ("p", "The warranty does not cover blades, belts, tyres, filters and spark plugs, damage from hitting stones, "
                  "kerbs or tree roots, damage from stale fuel or the wrong fuel mix, or a machine that has missed its "
                  "yearly service with us or another approved dealer."),
        ]),
        "terms-of-sale-and-hire.pdf": ("Greenhaugh Groundcare Ltd - terms of sale and hire", [
            ("h", "1. General"),
            ("p", "1.1 These terms apply to every sale and every hire by Greenhaugh Groundcare Ltd, Mill Garth Yard, "
                  "Ripley Road, Kelderby. All prices are in pounds sterling and exclude VAT."),
            ("p", "1.2 A written quotation is valid for 30 days."),
            ("h", "2. Sale of new machines"),
            ("p", "2.1 A deposit of 20 percent of the price is paid with the order and the balance before delivery. "
                  "Account customers are invoiced on delivery."),
            ("p", "2.2 New machines are delivered free within 40 miles of Kelderby. Delivery further away is quoted."),
            ("p", "2.3 An order can be cancelled free of charge within 14 days of ordering, unless the machine has been "
                  "ordered in from the manufacturer specially for you, in which case we keep 10 percent of the price."),
            ("p", "2.4 A machine remains our property until it has been paid for in full."),
            ("h", "3. Hire"),
            ("p", "3.1 A hire day runs from 8:00 to 17:00; a machine kept overnight is charged a further day. The hirer "
                  "must be at least 18 years old, and anyone driving a compact tractor on the road must hold a full car "
                  "driving licence."),
            ("p", "3.2 A refundable deposit is taken when the machine is collected or delivered:"),
            ("table", [["Machine", "Hire deposit", "Account customers"],
                       ["Blowers and hedge trimmers", "£50", "none"],
                       ["Ride-on and zero-turn mowers", "£250", "none"],
                       ["Compact tractors", "£500", "none"]]),
            ("p", "3.3 Machines must come back reasonably clean. A machine returned caked in grass or mud is charged a "
                  "cleaning fee of £40."),
            ("h", "4. Damage waiver"),
            ("p", "4.1 A damage waiver of 9 percent of the hire charge is added to every hire, unless you show us an "
                  "insurance certificate that covers hired-in plant."),
            ("p", "4.2 With the damage waiver, accidental damage costs you no more than £150 per incident. Without "
                  "it, you pay the full cost of repair or replacement."),
            ("p", "4.3 The waiver does not cover theft of a machine left unlocked or unattended away from your premises, "
                  "punctures, blades, deliberate misuse, or damage from using the wrong fuel."),
            ("h", "5. Fuel and charging"),
            ("p", "5.1 Petrol and diesel machines go out with a full tank. If a machine comes back less than full we "
                  "refill it and charge £2.35 per litre of petrol and £2.10 per litre of diesel."),
            ("p", "5.2 Battery machines go out fully charged. There is no charge for recharging them."),
            ("h", "6. Cancelling a hire"),
            ("table", [["When you cancel", "Charge"],
                       ["48 hours or more before the hire starts", "no charge"],
                       ["Less than 48 hours before the hire starts", "50 percent of the first day's hire"],
                       ["Machine not collected and no call from you", "the first day's hire in full"]]),
            ("h", "7. Payment"),
            ("p", "7.1 Cash and card customers pay hire charges in advance, when the machine is collected or delivered."),
            ("p", "7.2 Account customers - councils, schools, golf clubs and contractors with an approved account - pay "
                  "within 30 days of the date of the invoice. Hire on account is invoiced weekly."),
            ("p", "7.3 We accept bank transfer and debit and credit cards with no surcharge. We do not accept cheques. "
                  "Interest on late payment is charged at 8 percent above the Bank of England base rate."),
            ("p", "7.4 New machines can be paid for over 2 to 5 years through our finance partner, on orders of "
                  "£2,000 or more excluding VAT."),
        ]),
    },
    "hearthstone": {
        "service.docx": ("Hearthstone service, warranty and Hearthcare plans", [
            ("h", "Warranty"),
            ("p", "New Hearthstone espresso machines carry a warranty of 24 months on parts and labour, counted from the day "
                  "our engineer installs the machine. If the machine is installed by someone else, the warranty is 12 months, "
                  "parts only. Millstone grinders carry a warranty of 12 months on parts and labour. Reconditioned machines "
                  "carry a warranty of 6 months."),
            ("p", "The warranty does not cover group gaskets, shower screens, steam wand tips, grinder burrs, glass and "
                  "cup trays, damage from limescale where no ClearShot filter is fitted or the cartridge is overdue, damage "
                  "from cleaning products that are not made for espresso machines, or frost damage in a van or kiosk left "
                  "unheated in winter."),
            ("h", "Hearthcare service plans"),
            ("p", "A Hearthcare plan covers one espresso machine and its grinders for 12 months and is renewed every year. "
                  "Every plan includes the yearly pressure vessel inspection and certificate that the law requires, and a "
                  "planned service at which the group gaskets and shower screens are renewed and the safety valves, boiler "
                  "and pump pressure are checked."),
            ("table", [["Plan", "Visits a year", "What is included", "Price per machine per year"],
                       ["Hearthcare Basic", "1", "A planned service with new gaskets and shower screens, the pressure "
                        "vessel inspection and a written report", "£240"],
                       ["Hearthcare Plus", "2", "As Basic, plus all breakdown call-outs and labour Monday to Saturday, "
                        "with an engineer on site within 8 working hours (parts charged at list price)", "£495"],
                       ["Hearthcare Total", "4", "As Plus, with all parts and Sunday call-outs included, an engineer within "
                        "4 working hours, and a loan machine if yours cannot be fixed by the next working day", "£845"]]),
            ("h", "Breakdowns"),
            ("p", "Ring the service line on 01632 961255. It is open Monday to Friday from 7:00 to 19:00, on Saturdays from "
                  "8:00 to 18:00, and on Sundays from 9:00 to 13:00 for breakdowns only. Without a Hearthcare plan, an "
                  "engineer reaches you on the next working day within our service area."),
            ("table", [["Charge", "Price"],
                       ["Call-out within 30 miles of Brackenford, Monday to Friday", "£89"],
                       ["Call-out further than 30 miles, Monday to Friday", "£125"],
                       ["Labour per hour, Monday to Friday", "£62"],
                       ["Call-out on Saturdays", "£135"],
                       ["Labour per hour, Saturdays", "£84"],
                       ["Call-out on Sundays and bank holidays", "£185"],
                       ["Labour per hour, Sundays and bank holidays", "£112"],
                       ["Pressure vessel inspection and certificate, without a plan", "£95"],
                       ["Loan machine while yours is in our workshop, per week", "£40"]]),
            ("p", "Labour is charged in quarter hours after the first hour. Parts are charged at list price."),
        ]),
        "terms.pdf": ("Hearthstone Coffee Equipment - terms of sale, delivery, lease and rental", [
            ("h", "1. Orders and prices"),
            ("p", "1.1 All prices are in pounds sterling and exclude VAT. A written quotation is valid for 60 days."),
            ("p", "1.2 The machine remains our property until it has been paid for in full."),
            ("h", "2. Delivery"),
            ("p", "2.1 Classic and Ember machines and grinders in stock are delivered within 3 working days of the order in "
                  "our service area, and within 5 working days elsewhere on mainland Great Britain. Forge machines are "
                  "built to order and delivered in 4 to 6 weeks."),
            ("p", "2.2 Delivery is free on orders over £2,000 excluding VAT. On smaller orders we charge £49 per "
                  "espresso machine. Grinders, filter cartridges and spare parts are sent by next-day courier at £12 per "
                  "parcel, free on orders over £2,000."),
            ("h", "3. Installation"),
            ("p", "3.1 Installation means connecting the machine to the water, drain and electrical supplies you have had "
                  "put in, fitting the ClearShot filter head, commissioning the machine, setting up the grinder with your "
                  "coffee and one hour of training for your staff."),
            ("table", [["Machine", "Installation", "Installation with removal of the old machine"],
                       ["EM-1 or HS-1", "£150", "£210"],
                       ["HS-2, HS-2 LPG or HF-2", "£240", "£300"],
                       ["HS-3 or HF-3", "£295", "£355"],
                       ["Grinder on its own, set up with your coffee", "£45", "-"]]),
            ("p", "3.2 We take away and recycle old machines of any make. On its own, without an installation, removal "
                  "costs £60 per machine."),
            ("h", "4. Payment"),
            ("p", "4.1 New customers pay a deposit of 25 percent with the order and the balance before delivery. Account "
                  "customers pay within 30 days of the date of the invoice."),
            ("p", "4.2 We accept bank transfer, and card payments up to £8,000 with no surcharge. Interest on late "
                  "payment is charged at 8 percent above the Bank of England base rate."),
            ("h", "5. Cancellations and returns"),
            ("p", "5.1 An order can be cancelled free of charge within 7 days of ordering. After that we charge 15 "
                  "percent of the price. A Forge machine cannot be cancelled once we have started to build it, and a "
                  "machine that has been installed cannot be returned."),
            ("p", "5.2 Unused spare parts and filter cartridges in their original packaging can be returned within 21 "
                  "days of delivery, less a restocking charge of 10 percent."),
            ("h", "6. Lease and rental"),
            ("p", "6.1 New machines can be leased through our finance partner over 3 or 5 years at a fixed monthly "
                  "payment, with Hearthcare Basic included. At the end of the lease you may buy the machine for a final "
                  "payment of £95 or hand it back. Payments over 3 years are quoted by the leasing team."),
            ("p", "6.2 Machines are rented by the month for a minimum of 6 months, and after that from month to month "
                  "with one month's notice. The rent includes Hearthcare Plus. A refundable deposit of £350 per machine "
                  "is paid with the first month's rent."),
            ("table", [["Machine", "Rental per month (minimum 6 months)", "Lease per month (5 years)"],
                       ["EM-1 Ember", "£75", "£52"],
                       ["HS-1 Classic one-group", "£119", "£89"],
                       ["HS-2 Classic two-group", "£169", "£139"],
                       ["HS-3 Classic three-group", "£219", "£179"],
                       ["HF-2 Forge two-group", "£299", "£249"],
                       ["HF-3 Forge three-group", "£369", "£309"]]),
            ("p", "Grinders are leased or rented only together with a machine, at the price we quote. All prices exclude VAT."),
        ]),
    },
    "aquilo": {
        "service.docx": ("Warranty and service", [
            ("h", "Warranty"),
            ("p", "Every Aquilo pump comes with a warranty of 2 years. The VX screw compressors have a "
                  "warranty of 3 years or 12,000 operating hours, whichever comes first."),
            ("p", "With the AquiloCare plan the warranty of a pump is extended to 5 years. AquiloCare costs "
                  "120 euros per pump per year and includes one inspection visit a year."),
            ("h", "Service visits"),
            ("p", "Our service engineers reach customers on the mainland within 48 hours of a call. "
                  "The service line is staffed Monday to Friday from 7:00 to 18:00."),
            ("table", [["Service", "Price"],
                       ["Standard service visit, first hour", "180 euros"],
                       ["Each further hour", "75 euros"],
                       ["Weekend emergency call-out", "320 euros"]]),
        ]),
        "delivery.pdf": ("Delivery and payment terms", [
            ("h", "Delivery times"),
            ("p", "Pumps in stock are shipped within 5 working days of the order. Compressors are built to "
                  "order and are delivered within 3 weeks. Deliveries to the islands take 2 days longer."),
            ("h", "Shipping costs"),
            ("p", "Shipping is free for orders above 2,500 euros. Smaller orders are charged 65 euros per pallet."),
            ("h", "Returns"),
            ("p", "Unused goods in their original packaging can be returned within 30 days. "
                  "We charge a restocking fee of 15 percent."),
            ("h", "Payment"),
            ("p", "Invoices are payable within 30 days. New customers pay their first order in advance."),
        ]),
    },
    "crumbridge": {
        "service.docx": ("Service and warranty", [
            ("h", "Warranty"),
            ("p", "Our ovens carry a warranty of 2 years on parts and labour. Mixers and dough dividers carry "
                  "a warranty of 1 year."),
            ("p", "The BakeSafe plan extends the warranty of an oven to 4 years, for 150 euros a year. It also "
                  "includes the yearly descaling of the steam system."),
            ("h", "Breakdowns"),
            ("p", "A bakery cannot wait, so our engineers answer breakdown calls 7 days a week and reach you "
                  "within 24 hours."),
            ("table", [["Service", "Price"],
                       ["Yearly oven inspection and descaling", "240 euros"],
                       ["Engineer hour", "68 euros"],
                       ["Call-out on Sundays", "150 euros"]]),
        ]),
        "delivery.pdf": ("Delivery terms", [
            ("h", "Ovens"),
            ("p", "Ovens are delivered and installed by our own team within 6 weeks of the order. The doorway to "
                  "the bakehouse must be at least 90 cm wide."),
            ("h", "Mixers and dividers"),
            ("p", "Mixers and dough dividers are shipped within 10 working days. Shipping costs 120 euros per machine."),
            ("h", "Payment"),
            ("p", "We ask for a deposit of 30 percent with the order; the rest is due on installation."),
        ]),
    },
    "larchfield": {
        "prices.docx": ("Larchfield price list 2025", [
            ("h", "Prices 2025"),
            ("p", "All prices in euros, excluding VAT, collected from Eastbrook."),
            ("table", [["Model", "Machine", "Price"],
                       ["TS-250", "Table saw, 250 mm blade", "2,950 euros"],
                       ["TS-315", "Table saw, 315 mm blade", "4,480 euros"],
                       ["PS-3200", "Sliding table panel saw", "11,900 euros"],
                       ["PT-410", "Planer-thicknesser, 410 mm", "5,600 euros"],
                       ["PT-510", "Planer-thicknesser, 510 mm", "7,250 euros"],
                       ["DX-2000", "Dust extractor, one bag", "890 euros"],
                       ["DX-3000", "Dust extractor, two bags", "1,340 euros"]]),
        ]),
        "service.docx": ("Warranty and service", [
            ("h", "Warranty"),
            ("p", "Machines bought by businesses carry a 3 year warranty. Machines bought by private customers "
                  "carry a 2 year warranty."),
            ("p", "The first service, 6 months after delivery, is free of charge."),
            ("h", "Repairs"),
            ("p", "Repairs are done in our Eastbrook workshop or at your premises. A workshop repair hour costs "
                  "58 euros; a visit to your workshop costs 95 euros plus the hours worked."),
        ]),
        "delivery.pdf": ("Delivery terms", [
            ("h", "Delivery time"),
            ("p", "Machines are delivered within 10 working days of the order."),
            ("h", "Delivery options"),
            ("table", [["Option", "Price"],
                       ["Collection from Eastbrook", "free"],
                       ["Kerbside delivery", "95 euros"],
                       ["Delivery and placing in your workshop", "240 euros"],
                       ["Setting up and commissioning", "180 euros"]]),
            ("p", "Heavy machines are placed with a pallet truck; the floor must carry the machine's weight."),
        ]),
    },
    "marrow": {
        "service.docx": ("Warranty and service", [
            ("h", "Warranty"),
            ("p", "Trailers carry a warranty of 2 years, and 5 years on the chassis. Irrigators carry a warranty "
                  "of 2 years."),
            ("h", "Mobile workshop"),
            ("p", "Our mobile workshop comes to farms within 100 km of Stowmarsh. A call-out costs 85 euros, "
                  "plus 62 euros per hour of work."),
            ("p", "We recommend a yearly inspection of every trailer before the harvest; it costs 210 euros."),
        ]),
        "prices.pdf": ("Marrow & Tilley price list 2025", [
            ("h", "Price list 2025"),
            ("p", "Prices in euros, excluding VAT, ex works Stowmarsh."),
            ("table", [["Model", "Description", "Price"],
                       ["AT-8", "Tipping trailer, 8 t, single axle", "18,750"],
                       ["AT-12", "Tipping trailer, 12 t, tandem axle", "26,400"],
                       ["AT-14", "Tipping trailer, 14 t, steering axle", "29,950"],
                       ["BT-10", "Bale trailer, 8.5 m deck", "14,300"],
                       ["IR-75", "Hose reel irrigator, 75 mm x 350 m", "21,800"],
                       ["IR-90", "Hose reel irrigator, 90 mm x 400 m", "27,500"],
                       ["Option", "Hydraulic tailgate for AT trailers", "1,150"]]),
        ]),
        "delivery.pdf": ("Delivery and payment", [
            ("h", "Lead times"),
            ("p", "Trailers are built to order; the lead time is 4 to 6 weeks. Irrigators are delivered from "
                  "stock within 2 weeks."),
            ("h", "Delivery"),
            ("p", "Delivery is free within 80 km of Stowmarsh. Further away we charge 2.40 euros per km."),
            ("h", "Payment"),
            ("p", "A deposit of 20 percent is due with the order and the balance on delivery."),
        ]),
    },
    "hollin": {
        "service.docx": ("Warranty and service", [
            ("h", "Warranty"),
            ("p", "HW washer extractors and HD tumble dryers carry a warranty of 2 years on parts and labour. "
                  "FI flatwork ironers carry a warranty of 1 year. The stainless steel drum of every HW washer "
                  "is guaranteed for 10 years."),
            ("h", "Service plans"),
            ("p", "A laundry that stops costs money, so we offer two HollinCare plans. Each is taken out per "
                  "machine and runs for a year at a time."),
            ("table", [["Plan", "Visits per year", "What is included", "Price per machine and year"],
                       ["HollinCare Basic", "1", "Inspection, safety check and cleaning of the controls", "290 EUR"],
                       ["HollinCare Plus", "2", "Wear parts, warranty extended to 5 years, engineer on site within "
                        "24 hours", "540 EUR"]]),
            ("h", "Breakdowns"),
            ("p", "Without a service plan, one of our engineers reaches you within 2 working days of your call. "
                  "The service line takes breakdown calls Monday to Friday from 7:00 to 19:00 and on Saturday "
                  "from 8:00 to 12:00."),
            ("table", [["Service", "Price"],
                       ["Engineer call-out, weekdays", "95 EUR"],
                       ["Each hour of work", "72 EUR"],
                       ["Emergency call-out on a Saturday", "260 EUR"]]),
        ]),
        "delivery.pdf": ("Delivery and payment terms", [
            ("h", "Delivery times"),
            ("p", "HW washer extractors and HD tumble dryers are normally in stock and are delivered within "
                  "7 working days of the order. FI flatwork ironers are built to order; their delivery time is 5 weeks."),
            ("h", "Delivery and installation"),
            ("table", [["Service", "Price"],
                       ["Kerbside delivery within 150 km of Saltmoor", "free"],
                       ["Kerbside delivery beyond 150 km", "1.90 EUR per km"],
                       ["Placing, connecting and commissioning by our engineers", "390 EUR per machine"]]),
            ("p", "The HW-27 and the FI ironers need a doorway at least 110 cm wide; all other machines pass "
                  "through a 90 cm door."),
            ("h", "Payment"),
            ("p", "A deposit of 25 percent is due with the order. The balance is payable within 14 days of "
                  "installation. All prices exclude VAT."),
        ]),
    },
    "borey": {
        "service.docx": ("Гарантия и сервис", [
            ("h", "Гарантия"),
            ("p", "На компрессоры ВК даём гарантию 36 месяцев при условии, что плановое техническое "
                  "обслуживание проводит наш сервис. На осушители DR гарантия 18 месяцев, на ресиверы — 12 месяцев."),
            ("p", "Программа «Борей Плюс» продлевает гарантию на компрессор до 60 месяцев. Она стоит "
                  "42 000 рублей в год и включает два плановых ТО в год, масло и фильтры входят в цену."),
            ("h", "Сервисная служба"),
            ("p", "Инженеры выезжают по Ярославлю и области в течение 24 часов после заявки. Заявки на "
                  "сервис принимаем по будням с 8:00 до 20:00."),
            ("table", [["Услуга", "Цена"],
                       ["Выезд инженера по Ярославлю", "3 500 руб."],
                       ["Выезд за пределы Ярославля", "3 500 руб. + 35 руб. за км"],
                       ["Нормочас работы инженера", "2 800 руб."],
                       ["Плановое ТО компрессора ВК (масло и фильтры)", "24 000 руб."],
                       ["Пусконаладка компрессора", "15 000 руб."]]),
        ]),
        "delivery.pdf": ("Поставка, доставка и оплата", [
            ("h", "Сроки поставки"),
            ("p", "Компрессоры и осушители, которые есть на складе, отгружаем в течение 2 рабочих дней "
                  "после поступления оплаты. Оборудование, которого нет на складе, и компрессоры на 10 бар "
                  "изготавливаем под заказ за 30 рабочих дней."),
            ("h", "Доставка"),
            ("table", [["Куда", "Стоимость"],
                       ["Самовывоз со склада в Ярославле", "бесплатно"],
                       ["По Ярославлю и Ярославской области", "4 500 руб."],
                       ["В Москву и Московскую область", "12 000 руб."],
                       ["В другие города", "по тарифу транспортной компании"]]),
            ("p", "До терминала транспортной компании в Ярославле довозим бесплатно."),
            ("h", "Оплата"),
            ("p", "Работаем по предоплате 30 процентов; остальные 70 процентов оплачиваются после "
                  "уведомления о готовности оборудования к отгрузке. Возможен лизинг через банки-партнёры."),
            ("p", "При покупке компрессора вместе с осушителем скидка на весь комплект — 4 процента."),
        ]),
    },
    "volga": {
        "service.docx": ("Гарантия и сервисное обслуживание", [
            ("h", "Гарантийные сроки"),
            ("p", "Гарантийный срок на фасовочные автоматы ФА и дозаторы ОД-1, ШД-2 и MH-10 составляет "
                  "24 месяца, на термоусадочные машины SL и туннель ТУ-500 — 12 месяцев. Срок отсчитывается "
                  "с даты пусконаладки, если её выполнял наш инженер, в остальных случаях — с даты отгрузки. "
                  "Губки запайки, ножи и тефлоновая лента относятся к расходным деталям, гарантия на них "
                  "не распространяется."),
            ("p", "Для тех, кто фасует в несколько смен, есть сервисный договор «Без простоя». Он продлевает "
                  "гарантию на автомат ФА до 48 месяцев и стоит 86 000 рублей в год за один автомат. В договор "
                  "входят четыре профилактических визита инженера в год, по одному в квартал, и скидка "
                  "15 процентов на все запчасти."),
            ("h", "Выезд инженера"),
            ("p", "Сервисная линия +7 (846) 219-40-68 принимает заявки с понедельника по пятницу с 7:00 до 19:00. "
                  "По Самаре и Тольятти инженер приезжает в течение 24 часов после заявки, по остальной "
                  "Самарской области — в течение 48 часов, в другие регионы — в согласованный срок, обычно "
                  "за 3 рабочих дня. Многие неполадки удаётся устранить по видеосвязи в день обращения; "
                  "такая консультация бесплатна."),
            ("table", [["Услуга", "Стоимость"],
                       ["Выезд инженера по Самаре и Тольятти", "4 500 руб."],
                       ["Выезд инженера по Самарской области", "7 000 руб."],
                       ["Выезд инженера в другие регионы", "7 000 руб. + проезд и проживание"],
                       ["Час работы инженера", "3 200 руб."],
                       ["Пусконаладка автомата ФА с обучением двух операторов", "36 000 руб."],
                       ["Пусконаладка линии SL-600", "28 000 руб."],
                       ["Переналадка автомата на другой размер пакета", "14 000 руб."]]),
        ]),
        "delivery.pdf": ("Условия поставки, доставки и оплаты", [
            ("h", "Сроки поставки"),
            ("p", "Автоматы ФА-200 и ФА-320, термоусадочная машина SL-450, туннель ТУ-500 и дозаторы ОД-1 и "
                  "ШД-2 обычно есть на складе в Самаре: их отгружаем в течение 5 рабочих дней после оплаты. "
                  "Автоматы ФА-420, линии SL-600 и комбинационные весы MH-10 собираем под заказ; срок "
                  "изготовления — 50 рабочих дней со дня поступления предоплаты."),
            ("h", "Доставка"),
            ("table", [["Куда", "Стоимость"],
                       ["Самовывоз со склада в Самаре", "бесплатно"],
                       ["По Самаре и Тольятти", "6 000 руб."],
                       ["По Самарской области", "9 000 руб."],
                       ["В другие регионы России, в Казахстан и Беларусь", "по тарифу транспортной компании"]]),
            ("p", "До терминала транспортной компании в Самаре довозим бесплатно. Если сумма заказа от "
                  "2 000 000 рублей, доставку в любой город европейской части России оплачиваем мы. "
                  "Оборудование отправляется в деревянной обрешётке; обрешётка для автомата ФА стоит 8 500 рублей."),
            ("h", "Оплата"),
            ("p", "При заключении договора вносится предоплата 40 процентов, остальные 60 процентов — перед "
                  "отгрузкой, после нашего уведомления о готовности оборудования. Все цены указаны с НДС."),
        ]),
    },
    "uralstal": {
        "service.docx": ("Гарантия и сервисное обслуживание", [
            ("h", "Гарантия"),
            ("p", "На токарные станки ТС и фрезерные станки ФС гарантия 18 месяцев, на сверлильные станки "
                  "СВ — 12 месяцев. Гарантийный срок считается с даты пусконаладки, если её провёл наш инженер, "
                  "а если станок запускали сами — с даты отгрузки со склада. Ремни, щётки, лампы освещения и "
                  "кулачки патронов — расходные детали, на них гарантия не распространяется."),
            ("p", "Программа «Надёжный цех» продлевает гарантию на станок ТС или ФС до 36 месяцев. Она стоит "
                  "48 000 рублей в год за один станок; в неё входят два профилактических визита инженера в год "
                  "с проверкой точности и регулировкой зазоров."),
            ("h", "Выезд инженера"),
            ("p", "Заявки на ремонт принимает сервисная служба по телефону +7 (351) 247-18-39 с понедельника по "
                  "пятницу с 7:00 до 19:00. По Челябинску и Копейску инженер приезжает в течение 24 часов после "
                  "заявки, по остальной Челябинской области — в течение 48 часов, в другие регионы — в "
                  "согласованный срок, обычно за 4 рабочих дня. Консультация по телефону или видеосвязи бесплатна."),
            ("table", [["Услуга", "Стоимость"],
                       ["Выезд инженера по Челябинску и Копейску", "3 800 руб."],
                       ["Выезд инженера по Челябинской области", "6 500 руб."],
                       ["Выезд инженера в другие регионы", "6 500 руб. + проезд и проживание"],
                       ["Нормочас работы инженера", "2 900 руб."],
                       ["Пусконаладка токарного станка ТС", "18 000 руб."],
                       ["Пусконаладка фрезерного станка ФС", "26 000 руб."],
                       ["Проверка точности станка с выдачей протокола", "12 500 руб."]]),
        ]),
        "delivery.pdf": ("Условия поставки, доставки и оплаты", [
            ("h", "Сроки поставки"),
            ("p", "Станки ТС-250, ТС-320, СВ-18 и СВ-25 обычно есть на складе в Челябинске: их отгружаем в "
                  "течение 3 рабочих дней после оплаты. Токарные станки ТС-400 и все фрезерные станки ФС "
                  "изготавливаем под заказ; срок изготовления — 45 рабочих дней со дня поступления предоплаты."),
            ("h", "Доставка"),
            ("table", [["Куда", "Стоимость"],
                       ["Самовывоз со склада в Челябинске", "бесплатно"],
                       ["По Челябинску и Копейску", "5 500 руб."],
                       ["По Челябинской области", "8 000 руб."],
                       ["В Екатеринбург", "14 000 руб."],
                       ["В другие города России и стран ЕАЭС", "по тарифу транспортной компании"]]),
            ("p", "До терминала транспортной компании в Челябинске довозим бесплатно. Доставку по Челябинской, "
                  "Свердловской, Курганской и Тюменской областям оплачивает завод, если сумма заказа от 3 000 000 рублей. "
                  "Станки отправляются на деревянном поддоне в плёнке; жёсткая обрешётка для станка ТС или ФС "
                  "стоит 7 500 рублей. Разгрузку и установку станка на месте покупатель обеспечивает сам."),
            ("h", "Оплата"),
            ("p", "При заключении договора вносится предоплата 50 процентов, остальные 50 процентов — перед "
                  "отгрузкой, после нашего уведомления о готовности станка. При покупке трёх и более станков "
                  "по одному договору — скидка 5 процентов. Все цены указаны с НДС."),
        ]),
    },
    "kestrel": {
        "service.docx": ("Kestrel warranty and service", [
            ("h", "What the warranty covers"),
            ("p", "Blast chillers and display cabinets are covered for 2 years, parts and labour, from the day they "
                  "are commissioned. On the BC blast chillers the compressor itself is covered for 3 years (parts only). "
                  "Cold room panels are guaranteed for 10 years; the refrigeration unit of a cold room is covered for 2 years."),
            ("p", "The warranty does not cover damage from blocked or dirty condensers, so please clean the condenser "
                  "grille once a month."),
            ("h", "KestrelCover service plans"),
            ("p", "A plan is taken out for each unit and renewed every year."),
            ("table", [["Plan", "Visits a year", "Included", "Engineer reaches you", "Price per unit a year"],
                       ["KestrelCover Silver", "1", "Condenser cleaning, door seal and refrigerant leak check",
                        "next working day", "180 EUR"],
                       ["KestrelCover Gold", "2", "As Silver, plus all parts and labour, and the warranty extended to 5 years",
                        "within 6 hours, day and night", "390 EUR"]]),
            ("p", "Gold customers can also call the service line outside its normal hours; the night calls go "
                  "straight to the engineer on duty."),
            ("h", "Repairs without a plan"),
            ("p", "Without a plan an engineer reaches you within 24 hours of your call on weekdays. Call the service "
                  "line on 0117 496 0790."),
            ("table", [["Charge", "Price"],
                       ["Call-out, Monday to Saturday", "85 EUR"],
                       ["Each hour of work", "64 EUR"],
                       ["Call-out on Sundays and bank holidays", "210 EUR"],
                       ["Refrigerant leak test with certificate", "140 EUR"]]),
        ]),
        "terms.pdf": ("Kestrel Refrigeration - terms of sale", [
            ("h", "1. Delivery times"),
            ("p", "BC blast chillers and MD multidecks are kept in stock and leave our factory within 4 working days of "
                  "your order. SC serve-over counters are built to order and take 3 weeks. Cold rooms are put up "
                  "within 5 weeks of the site survey; the survey is free within 150 km of Holtby Moor."),
            ("h", "2. Delivery charges"),
            ("table", [["Service", "Charge"],
                       ["Kerbside delivery, orders over 6,000 EUR", "free"],
                       ["Kerbside delivery, smaller orders", "95 EUR per unit"],
                       ["Positioning and commissioning of a cabinet or chiller", "180 EUR per unit"],
                       ["Delivery beyond 150 km of Holtby Moor", "1.60 EUR per km on top"]]),
            ("h", "3. Payment"),
            ("p", "For cold rooms we ask for a deposit of 40 percent with the order; the rest is due when the room is "
                  "handed over. Other goods are invoiced on delivery and payable within 30 days; new customers pay "
                  "their first order before delivery. We take 2 percent off the invoice if you pay within 7 days."),
            ("h", "4. Returns"),
            ("p", "Goods that have not been used can be sent back in their original packaging within 14 days of "
                  "delivery. We deduct a restocking charge of 20 percent. Cold rooms and anything made to measure "
                  "cannot be returned."),
        ]),
    },
    "pennant": {
        "service.docx": ("Pennant service and warranty", [
            ("h", "Warranty"),
            ("p", "Every new Pennant machine carries a warranty of 2 years on parts and labour, counted from the day "
                  "of delivery. Gel and traction batteries are covered for 1 year. Lithium-ion batteries are covered "
                  "for 3 years or 1,500 charge cycles, whichever comes first."),
            ("p", "Wear parts (brushes, pads, squeegee blades and filters) are not covered, and neither is damage "
                  "caused by foaming detergents."),
            ("h", "Service plans"),
            ("p", "A Pennant plan is taken out for each machine and runs for 12 months at a time."),
            ("table", [["Plan", "Visits a year", "What is included", "Engineer on site", "Price per machine a year"],
                       ["Pennant Basic", "1", "Inspection, battery test and safety check", "within 2 working days",
                        "190 EUR"],
                       ["Pennant Plus", "2", "As Basic, plus squeegee blades and brushes, and 10% off all other parts",
                        "next working day", "340 EUR"],
                       ["Pennant Total", "4", "All parts and labour, and a loan machine while yours is being repaired",
                        "next working day", "690 EUR"]]),
            ("h", "Breakdowns and repairs"),
            ("p", "The service line, 01632 960781, takes calls Monday to Friday from 7:30 to 18:00. Without a plan, "
                  "an engineer reaches you within 3 working days of your call."),
            ("table", [["Charge", "Price"],
                       ["Engineer call-out", "89 EUR"],
                       ["Each hour of work on site", "66 EUR"],
                       ["Repair in our Orlestone workshop, per hour", "54 EUR"],
                       ["Battery health test with written report", "45 EUR"]]),
            ("h", "Contract rental"),
            ("p", "Rather not buy? Rent a new machine over 36 months with the Pennant Total plan included. At the end "
                  "you hand it back, rent a new one, or buy it for 10 percent of its list price."),
            ("table", [["Machine", "Rental per month"],
                       ["WS-45", "139 EUR"],
                       ["WS-55", "165 EUR"],
                       ["WS-65", "192 EUR"],
                       ["RS-75", "449 EUR"],
                       ["SW-90", "118 EUR"]]),
        ]),
        "terms.pdf": ("Pennant Floorcare - terms of sale and hire", [
            ("h", "1. Orders and delivery"),
            ("p", "1.1 Walk-behind machines and sweepers in stock are dispatched within 3 working days of the order."),
            ("p", "1.2 Ride-on scrubber-dryers are built to order and delivered within 4 weeks."),
            ("p", "1.3 Delivery is free on orders over 1,500 euros. Smaller orders cost 55 euros per delivery."),
            ("p", "1.4 Ride-on machines come on our own lorry with a tail lift; please allow level access."),
            ("h", "2. Payment"),
            ("p", "2.1 Invoices are due within 30 days. New customers pay their first order before dispatch."),
            ("p", "2.2 We take 2% off the invoice when you pay within 8 days."),
            ("h", "3. Returns"),
            ("p", "3.1 Unused goods in their original packaging may be returned within 14 days of delivery."),
            ("p", "3.2 We charge a restocking fee of 12 percent. Pads, brushes and batteries cannot be returned."),
            ("h", "4. Short-term hire"),
            ("p", "4.1 The minimum hire period is 1 week. Longer hires are charged by the week."),
            ("table", [["Machine", "Hire per week"],
                       ["WS-55 scrubber-dryer", "125 EUR"],
                       ["RS-75 ride-on scrubber-dryer", "380 EUR"],
                       ["SW-90 battery sweeper", "105 EUR"],
                       ["SW-120 ride-on sweeper", "340 EUR"]]),
            ("p", "4.2 A refundable deposit of 400 euros per machine is due before the machine leaves us."),
            ("p", "4.3 Delivery and collection of a hire machine cost 80 euros; pads and detergent are charged as used."),
            ("p", "4.4 The hirer pays for damage beyond fair wear and must not use foaming detergents."),
        ]),
    },
    "brackwater": {
        "service.docx": ("Brackwater service and warranty", [
            ("h", "Warranty"),
            ("p", "MG and TG power sources carry a warranty of 3 years on parts and labour, counted from the date of "
                  "the invoice. Register the machine on our website within 30 days of purchase and the warranty "
                  "is extended to 5 years. The WF-4 wire feeder of the MG-350, the CU-9 cooling unit and the FX fume "
                  "extractors are covered for 2 years. The ST-140 stick welder is covered for 1 year."),
            ("p", "The warranty does not cover torches, earth leads and cables, filters, or wear parts such as contact "
                  "tips, liners, nozzles and ceramic cups. Nor does it cover damage from running a machine on a "
                  "generator smaller than we specify."),
            ("h", "BrackCare service plans"),
            ("p", "A BrackCare plan covers one machine for 12 months and can be renewed every year."),
            ("table", [["Plan", "Visits a year", "What is included", "Price per machine a year"],
                       ["BrackCare Basic", "1", "Inspection, electrical safety test and validation of the current and "
                        "voltage meters to EN IEC 60974-14, with certificate", "120 EUR"],
                       ["BrackCare Plus", "1", "As Basic, plus all repairs (parts and labour), a priority slot in the "
                        "workshop and a loan machine while yours is with us", "215 EUR"],
                       ["BrackCare Extract (FX extractors)", "1", "LEV thorough examination and test with written "
                        "report, airflow measurement, and a new main filter", "275 EUR"]]),
            ("h", "Repairs and breakdowns"),
            ("p", "The service line, 01632 960482, takes calls Monday to Friday from 7:00 to 18:00. Machines can be "
                  "sent or brought to our Hensby workshop, which is open Monday to Friday from 7:30 to 16:30. "
                  "Workshop repairs are normally finished within 5 working days. Carriage back to you after a "
                  "workshop repair costs 25 euros."),
            ("table", [["Charge", "Price"],
                       ["Bench assessment in our workshop (taken off the repair if you go ahead)", "45 EUR"],
                       ["Workshop labour, per hour", "58 EUR"],
                       ["Engineer call-out to your site", "98 EUR"],
                       ["Each hour of work on site", "72 EUR"],
                       ["Validation to EN IEC 60974-14 with certificate, per machine", "110 EUR"],
                       ["LEV thorough examination and test, any make, per extractor", "195 EUR"]]),
        ]),
        "terms.pdf": ("Brackwater Welding Systems - terms of sale and hire", [
            ("h", "1. Orders and delivery"),
            ("p", "1.1 Stock items ordered by 14:00 on a working day leave us the same day, for delivery on the next "
                  "working day."),
            ("p", "1.2 Delivery is free on orders of 750 euros or more. Smaller orders are charged 18 euros for "
                  "carriage."),
            ("p", "1.3 The MG-350 and the FX-90 travel on a pallet. Pallet delivery costs 65 euros, whatever the "
                  "value of the order."),
            ("p", "1.4 Collection from our trade counter in Hensby is free."),
            ("h", "2. Payment"),
            ("p", "2.1 Trade account customers pay within 30 days of the invoice date. All other customers pay when "
                  "they order."),
            ("p", "2.2 We take 2.5 percent off a trade invoice that is paid within 10 days."),
            ("h", "3. Returns"),
            ("p", "3.1 Goods that have not been used may be returned in their original packaging within 28 days of "
                  "delivery."),
            ("p", "3.2 We deduct a restocking charge of 15 percent. Opened reels of wire, electrodes, filters and "
                  "helmets that have been worn cannot be returned."),
            ("h", "4. Hire"),
            ("p", "4.1 Welders and fume extractors can be hired by the week; the minimum hire is one week."),
            ("table", [["Machine", "Hire per week"],
                       ["MG-250 MIG welder", "75 EUR"],
                       ["TG-200AC TIG welder", "90 EUR"],
                       ["FX-60 mobile fume extractor", "60 EUR"],
                       ["FX-90 twin-arm extractor", "140 EUR"]]),
            ("p", "4.2 A refundable deposit of 300 euros per machine is due before the machine leaves us. Trade "
                  "account customers pay no deposit."),
            ("p", "4.3 Wire, gas and filters used during the hire are charged separately. Hire machines are collected "
                  "from Hensby and brought back there, or we deliver and collect them for 40 euros each way."),
        ]),
    },
    "teploresurs": {
        "service.docx": ("Гарантия и сервисное обслуживание", [
            ("h", "Гарантия"),
            ("p", "На водогрейные котлы КВ и паровые котлы ПК гарантия 24 месяца, на горелки ГБ и ГК — 18 месяцев. "
                  "Гарантийный срок считается с даты пусконаладки, если её выполнил наш инженер; если оборудование "
                  "запускали сами — с даты отгрузки со склада. На корпус водогрейного котла КВ (сварные швы, жаровая "
                  "труба, трубные решётки) действует отдельная гарантия 5 лет. Электроды розжига, датчики пламени, "
                  "фильтры, прокладки и уплотнения — расходные детали, на них гарантия не распространяется. Гарантия "
                  "сохраняется, только если вода в котле соответствует требованиям паспорта котла."),
            ("p", "Программа «Тёплая зима» продлевает гарантию на котёл КВ или ПК до 48 месяцев. Она стоит 62 000 рублей "
                  "в год за один котёл; в неё входят два плановых визита инженера в год — перед отопительным сезоном и "
                  "в середине зимы — с чисткой горелки и настройкой горения по газоанализатору."),
            ("h", "Заявки и выезд инженера"),
            ("p", "Заявки на ремонт и настройку принимает сервисная служба по телефону +7 (4942) 46-21-77 с понедельника "
                  "по пятницу с 7:00 до 20:00. В отопительный сезон, с 15 сентября по 15 мая, работает круглосуточная "
                  "аварийная линия +7 (4942) 46-21-79 — в том числе ночью, в выходные и в праздники."),
            ("p", "При аварии инженер приезжает по Костроме в течение 6 часов после заявки, по Костромской области — в "
                  "течение 12 часов, в Ярославскую и Ивановскую области — в течение 24 часов, в другие регионы — в "
                  "согласованный срок, обычно за 3 рабочих дня. Консультация по телефону бесплатна."),
            ("table", [["Услуга", "Стоимость"],
                       ["Выезд инженера по Костроме", "4 200 руб."],
                       ["Выезд инженера по Костромской области", "7 800 руб."],
                       ["Выезд инженера в Ярославскую и Ивановскую области", "9 600 руб."],
                       ["Выезд инженера в другие регионы", "9 600 руб. + проезд и проживание"],
                       ["Нормочас работы инженера", "3 100 руб."],
                       ["Пусконаладка водогрейного котла КВ с горелкой", "38 000 руб."],
                       ["Пусконаладка парового котла ПК с горелкой", "56 000 руб."],
                       ["Режимно-наладочные испытания котла с техническим отчётом", "45 000 руб."],
                       ["Плановое техническое обслуживание горелки", "9 800 руб."]]),
        ]),
        "terms.pdf": ("Условия поставки, доставки, оплаты и возврата", [
            ("h", "Сроки поставки"),
            ("p", "Котлы КВ-300 и КВ-500 и горелки ГБ-0,6, ГБ-1,2 и ГБ-2,0 обычно есть на складе в Костроме: их "
                  "отгружаем в течение 5 рабочих дней после оплаты. Котёл КВ-800 и паровые котлы ПК-0,7 и ПК-1,0 "
                  "изготавливаем под заказ; срок изготовления — 40 рабочих дней со дня поступления предоплаты. "
                  "Комбинированную горелку ГК-1,2 изготавливаем за 20 рабочих дней."),
            ("h", "Доставка"),
            ("table", [["Куда", "Стоимость"],
                       ["Самовывоз со склада в Костроме, погрузка краном", "бесплатно"],
                       ["По Костроме", "6 000 руб."],
                       ["По Костромской области", "11 000 руб."],
                       ["В Ярославль и Иваново", "14 500 руб."],
                       ["В Москву и Московскую область", "32 000 руб."],
                       ["В другие регионы", "по тарифу транспортной компании"]]),
            ("p", "Доставку в пределах Центрального федерального округа оплачивает завод, если сумма заказа от 2 500 000 "
                  "рублей. Котлы перевозятся на открытой платформе, закреплённые на деревянных брусьях; горелки — в "
                  "заводских ящиках. Разгрузку краном или манипулятором на месте обеспечивает покупатель."),
            ("h", "Оплата"),
            ("p", "Оборудование со склада и запасные части оплачиваются полностью, 100 процентов, до отгрузки. За "
                  "оборудование, которое изготавливается под заказ, при подписании договора вносится предоплата 30 "
                  "процентов, а оставшиеся 70 процентов — перед отгрузкой, после нашего уведомления о готовности. При "
                  "покупке котла вместе с горелкой на горелку даётся скидка 7 процентов. Все цены указаны с НДС."),
            ("h", "Возврат"),
            ("p", "Горелку, которую не устанавливали и не подключали, можно вернуть в заводской упаковке в течение 14 "
                  "дней со дня получения; при возврате удерживаем 10 процентов её цены за проверку и переупаковку. "
                  "Котлы, изготовленные под заказ, возврату не подлежат. Если оборудование пришло повреждённым, "
                  "отметьте это в транспортной накладной при получении и сразу сообщите в отдел продаж."),
        ]),
    },
    "frostgate": {
        "service.docx": ("Frostgate service and warranty", [
            ("h", "Warranty"),
            ("p", "Blast chillers, display counters, condensing units and the refrigeration parts of a cold room "
                  "(evaporator, controller and pipework) carry a warranty of 2 years on parts and labour, counted from "
                  "the date of commissioning, or from the date of delivery if the equipment was not commissioned by us "
                  "or an approved installer. The insulated panels, floor and door of a Frostgate cold room are covered "
                  "for 10 years against delamination and loss of insulation."),
            ("p", "On a unit that is kept on a FrostCare plan without a break, the compressor is covered for 5 years, "
                  "parts only."),
            ("p", "The warranty does not cover glass, door gaskets, lamps, strip curtains or core probes. Nor does it "
                  "cover damage from a condenser that has not been cleaned as our manuals ask, from a unit that has been "
                  "moved to another site without telling us, or from a supply voltage outside the one on the rating "
                  "plate."),
            ("h", "FrostCare service plans"),
            ("p", "A FrostCare plan covers one unit, or one cold room with its condensing unit, for 12 months and can be "
                  "renewed every year."),
            ("table", [["Plan", "Visits a year", "What is included", "Price per unit a year"],
                       ["FrostCare Essential", "1", "Inspection, condenser and drain clean, leak check, controller and "
                        "alarm test, written report", "145 GBP"],
                       ["FrostCare Plus", "2", "As Essential, plus all repairs (parts and labour) and an engineer on site "
                        "within 4 hours of a breakdown call, day or night", "320 GBP"],
                       ["FrostCare Cold Room", "2", "For a cold room with its condensing unit: as Essential, plus a new "
                        "door gasket every year, the F-gas leak check with log entry and a test of the door safety "
                        "release", "395 GBP"]]),
            ("h", "Breakdowns and repairs"),
            ("p", "The breakdown line, 0113 496 0388, is answered 24 hours a day, every day of the year. Without a plan, "
                  "an engineer is with you within 8 working hours of your call if you are within 60 miles of Skelbrook, "
                  "and by the end of the next working day if you are further away. FrostCare Plus customers within 60 "
                  "miles get an engineer within 4 hours."),
            ("p", "All our engineers hold F-gas certificates and carry the common spare parts in their vans, so most "
                  "repairs are finished on the first visit. Spare parts for every current model are kept for at least "
                  "8 years after the model goes out of production."),
            ("table", [["Charge", "Price"],
                       ["Call-out, Monday to Friday 8:00 to 18:00", "115 GBP"],
                       ["Call-out, evenings, weekends and bank holidays", "195 GBP"],
                       ["Labour per hour, Monday to Friday 8:00 to 18:00", "78 GBP"],
                       ["Labour per hour, evenings, weekends and bank holidays", "112 GBP"],
                       ["F-gas leak test with log entry, per system", "85 GBP"],
                       ["Temperature mapping of a cold room over 7 days, with report", "260 GBP"],
                       ["Refrigerant", "at cost"]]),
        ]),
        "terms.pdf": ("Frostgate Cooling Ltd - terms of sale and delivery", [
            ("h", "1. Lead times"),
            ("p", "1.1 Stock items, that is the QC-5 and QC-10 blast chillers, the CU and LT condensing units, spare parts "
                  "and accessories, are dispatched within 3 working days of payment."),
            ("p", "1.2 Standard cold rooms and freezer rooms are built to order in 3 weeks. The SO counters, the GG-90 "
                  "and the QF blast chiller-freezers are built to order in 4 weeks. Lead times count from the day we "
                  "receive the deposit."),
            ("h", "2. Delivery"),
            ("p", "2.1 Delivery to mainland England and Wales is free on orders of 1,500 pounds or more, excluding VAT. "
                  "On smaller orders, parts and accessories go by courier for 12.50 pounds and equipment goes on a "
                  "pallet for 85 pounds. Delivery to Scotland, Northern Ireland and the islands is quoted with the "
                  "order."),
            ("p", "2.2 Our 7.5 tonne lorries have a tail-lift and deliver to the kerbside. For 160 pounds per item, two "
                  "of our crew will carry the equipment into the building on the ground floor, unpack it, set it in "
                  "place and take the packaging away."),
            ("p", "2.3 Please make sure the way in is wide enough. An SO counter needs a doorway at least 900 mm wide "
                  "and the QF-15 at least 850 mm; everything else goes through an 800 mm doorway."),
            ("p", "2.4 We deliver Monday to Friday between 7:00 and 16:00, and we ring the day before to give you a "
                  "2-hour slot."),
            ("h", "3. Payment"),
            ("p", "3.1 Stock items are paid for in full when they are ordered. For goods built to order we ask for a "
                  "deposit of 40 percent with the order and the balance before delivery."),
            ("p", "3.2 Trade account customers pay within 30 days of the end of the month in which we invoice."),
            ("p", "3.3 We accept bank transfer, Visa and Mastercard. We do not accept American Express or cheques."),
            ("p", "3.4 On late payment we charge interest at 8 percent above the Bank of England base rate, as the Late "
                  "Payment of Commercial Debts (Interest) Act 1998 allows."),
            ("h", "4. Cancellations and returns"),
            ("p", "4.1 An order for goods built to order can be cancelled free of charge within 2 working days of "
                  "placing it. After that the deposit is kept."),
            ("p", "4.2 Unused stock items may be returned in their unopened packaging within 30 days of delivery. We "
                  "deduct a restocking charge of 20 percent. Goods built to order, and anything that has been used or "
                  "installed, cannot be returned."),
            ("p", "4.3 If goods arrive damaged, write the damage on the delivery note and tell us within 48 hours, with "
                  "photos. We will repair or replace them free of charge."),
        ]),
    },
    "liftwell": {
        "service.docx": ("Liftwell service, warranty and battery care", [
            ("h", "Warranty"),
            ("p", "New CE and CD counterbalance trucks, PS stackers and OP order pickers carry a warranty of 2 years or "
                  "3,000 operating hours, whichever comes first, on parts and labour, counted from the date of delivery. "
                  "The lead-acid traction battery supplied with a new truck is covered for 3 years. LI lithium-ion "
                  "batteries are covered for 5 years or 10,000 operating hours, whichever comes first. Chargers are "
                  "covered for 2 years. Reconditioned second-hand trucks carry a warranty of 6 months."),
            ("p", "The warranty does not cover tyres, forks, brake linings, mast chains and rollers, seats, bulbs and "
                  "fuses, or damage from overloading a truck beyond its rated capacity. Nor does it cover a battery "
                  "damaged by topping up with tap water or by running it below 20 percent charge."),
            ("h", "LiftCare service plans"),
            ("p", "A LiftCare plan covers one truck, stacker or order picker (or, for BatteryCare, one battery) for "
                  "12 months and can be renewed every year. Plans can be taken out for machines of any make that are "
                  "less than 10 years old."),
            ("table", [["Plan", "Visits a year", "What is included", "Price a year"],
                       ["LiftCare Basic", "2", "A planned service every 6 months, safety check, and the thorough "
                        "examination with written report", "420 EUR per truck"],
                       ["LiftCare Plus", "A service every 500 hours, at least 2", "As Basic, plus all repairs (parts and "
                        "labour, except tyres and damage), the 24-hour breakdown line, and a loan truck if yours cannot be "
                        "fixed within 2 working days", "1,180 EUR per truck"],
                       ["BatteryCare", "4", "A battery visit every 3 months: topping up with deionised water, cell "
                        "voltage and acid density readings, cleaning, and a check of the charger", "260 EUR per battery"]]),
            ("h", "Thorough examination"),
            ("p", "Under the Safety, Health and Welfare at Work (General Application) Regulations, every forklift truck, "
                  "stacker and order picker must have a thorough examination by a competent person at least once every "
                  "12 months. A machine that lifts people, such as the OP-60 and OP-90 order pickers, must be examined "
                  "at least once every 6 months. Our engineers examine machines of any make and leave the written report "
                  "with you on the day."),
            ("h", "Breakdowns and repairs"),
            ("p", "The service line, 045 980250, takes calls Monday to Friday from 7:30 to 18:00. LiftCare Plus customers "
                  "can also ring the 24-hour breakdown line, 045 980299, at night, at weekends and on bank holidays. "
                  "An engineer reaches you within 4 working hours anywhere in Leinster, and within 6 working hours in "
                  "Munster from our Cork depot. In the rest of the Republic and in Northern Ireland we come on the next "
                  "working day."),
            ("table", [["Charge", "Price"],
                       ["Engineer call-out, Leinster and Munster", "115 EUR"],
                       ["Engineer call-out, rest of Ireland", "185 EUR"],
                       ["Labour per hour, Monday to Friday 7:30 to 18:00", "78 EUR"],
                       ["Labour per hour at other times, weekends and bank holidays", "117 EUR"],
                       ["Thorough examination with written report, any make, per machine", "165 EUR"],
                       ["Battery capacity (discharge) test with report", "190 EUR"],
                       ["Replacement battery cell, fitted, per cell", "135 EUR"]]),
            ("h", "Battery workshop"),
            ("p", "Our battery workshop at Kilbrack, 045 980270, is open Monday to Friday from 8:00 to 16:30. It repairs, "
                  "reconditions and replaces lead-acid and lithium-ion traction batteries of any make. A reconditioned "
                  "lead-acid battery carries a warranty of 12 months. While your battery is in the workshop we can lend "
                  "you one for 35 euros a week. When we supply a new battery, we take the old one away and have it "
                  "recycled free of charge."),
        ]),
        "terms.pdf": ("Liftwell Handling - terms of sale, delivery and hire", [
            ("h", "1. Orders and delivery"),
            ("p", "1.1 Trucks, stackers and order pickers that we have in stock are delivered within 10 working days of "
                  "the order. Machines built to order are delivered in 6 to 8 weeks."),
            ("p", "1.2 We deliver new machines on our own low-loader, free of charge anywhere in the Republic of Ireland. "
                  "Delivery to Northern Ireland costs 240 euros per machine. The customer must provide firm, level ground "
                  "for unloading."),
            ("p", "1.3 On delivery our driver gives a free familiarisation of up to 1 hour on the controls and the daily "
                  "checks. This is not operator training and does not lead to a certificate."),
            ("p", "1.4 Parts ordered by 15:30 on a working day leave us the same day by courier. Parts orders under 150 "
                  "euros are charged 12 euros for carriage; larger orders go free."),
            ("h", "2. Payment"),
            ("p", "2.1 For a new machine we ask for a deposit of 20 percent of the price with the order, and the balance "
                  "before delivery."),
            ("p", "2.2 Account customers pay within 30 days of the end of the month in which we invoice. Accounts are "
                  "opened after a credit check, which takes about 3 working days."),
            ("p", "2.3 New machines can also be paid for by lease through our finance partner, over 2 to 5 years. We "
                  "take card payments up to 5,000 euros."),
            ("h", "3. Cancellations and returns"),
            ("p", "3.1 An order for a new machine can be cancelled free of charge within 7 days of ordering. After that "
                  "the deposit is kept."),
            ("p", "3.2 Parts that have not been fitted or used may be returned in their original packaging within 30 "
                  "days of delivery. We deduct a handling charge of 20 percent. Electrical parts, batteries and anything "
                  "that has been fitted cannot be returned."),
            ("h", "4. Short-term hire"),
            ("p", "4.1 Machines can be hired by the day or by the week. Weekly hire runs for 5 working days. The hire "
                  "charge includes servicing and breakdown cover. Contract hire for 3 years or more is quoted by the "
                  "sales team."),
            ("table", [["Machine", "Per day", "Per week"],
                       ["PS-12 walk-behind stacker", "45 EUR", "120 EUR"],
                       ["CE-16 electric truck", "85 EUR", "265 EUR"],
                       ["CE-25 electric truck", "95 EUR", "310 EUR"],
                       ["CD-30 diesel truck", "90 EUR", "290 EUR"],
                       ["CD-50 diesel truck", "150 EUR", "480 EUR"],
                       ["OP-30 low-level order picker", "70 EUR", "210 EUR"]]),
            ("p", "4.2 Customers without a Liftwell account pay a refundable deposit of 500 euros per machine before it "
                  "leaves us. The deposit is returned when the machine comes back undamaged."),
            ("p", "4.3 Hire machines can be collected from Kilbrack or from the Cork depot. We deliver and collect within "
                  "60 km of either for 95 euros each way; further away, 95 euros plus 1.60 euros for every extra "
                  "kilometre, each way."),
            ("p", "4.4 A damage waiver of 9 percent of the hire charge is added to every hire, unless you show us your "
                  "own insurance for hired-in plant."),
            ("p", "4.5 Diesel trucks go out with a full tank and must come back full. If a truck comes back with less, "
                  "we refuel it and charge 2.20 euros per litre. Electric machines go out with their charger."),
            ("p", "4.6 The hirer must make sure that only trained operators drive the machine."),
        ]),
    },
    "derevmash": {
        "service.docx": ("Гарантия и сервисное обслуживание", [
            ("h", "Гарантийные сроки"),
            ("p", "На станки собственного производства — круглопильные ЦС, форматно-раскроечный ФРС-3200, "
                  "фуговально-рейсмусовые ФР, рейсмусовый Р-630 и стружкоотсосы УВП — гарантия 24 месяца. На фрезерные "
                  "станки с ЧПУ ФЧ-1325 и ФЧ-2030 гарантия 18 месяцев. На кромкооблицовочные станки Linea Bordo EB-320 и "
                  "EB-450 действует гарантия фабрики — 12 месяцев; гарантийный ремонт в России выполняет наша сервисная "
                  "служба. Гарантийный срок считается с даты пусконаладки, если её выполнил наш инженер; если станок "
                  "запускали сами — с даты отгрузки со склада."),
            ("p", "Пилы, строгальные ножи, фрезы, твердосплавные пластины, приводные ремни, фильтровальные мешки и "
                  "щётки — расходные детали, гарантия на них не распространяется. Гарантия на станки ФЧ сохраняется, "
                  "только если станок всё время работает с подключённой аспирацией производительностью не менее "
                  "3 000 м³/ч: пыль от МДФ и ДСП выводит из строя направляющие и шпиндель."),
            ("h", "Программа «Деревмаш Сервис+»"),
            ("p", "Для станков с ЧПУ ФЧ и кромкооблицовочных станков EB есть программа «Деревмаш Сервис+». Она продлевает "
                  "гарантию на станок до 36 месяцев и стоит 48 000 рублей в год за один станок. В программу входят два "
                  "плановых визита инженера в год с проверкой геометрии, калибровкой осей или настройкой узлов, а также "
                  "скидка 10 процентов на все запасные части."),
            ("h", "Заявки и выезд инженера"),
            ("p", "Заявки на ремонт принимает сервисная служба по телефону +7 (4942) 55-38-24 и по почте "
                  "service@derevmash.example с понедельника по пятницу с 8:00 до 18:00. В субботу с 9:00 до 13:00 на "
                  "телефоне сервиса дежурит инженер: он консультирует, но на выезд в субботу не едет. Станки ФЧ, "
                  "подключённые к интернету, инженер проверяет удалённо, и такая диагностика бесплатна."),
            ("p", "По Костроме инженер приезжает на следующий рабочий день после заявки, по Костромской области — в "
                  "течение 2 рабочих дней, в Ярославскую, Ивановскую, Владимирскую и Вологодскую области — в течение "
                  "3 рабочих дней, в другие регионы — в согласованный срок. Станки, которые можно привезти, ремонтируем и "
                  "в мастерской на заводе; обычный срок ремонта в мастерской — 5 рабочих дней."),
            ("table", [["Услуга", "Стоимость"],
                       ["Выезд инженера по Костроме", "3 500 руб."],
                       ["Выезд инженера по Костромской области", "6 900 руб."],
                       ["Выезд инженера в другие регионы", "8 500 руб. + проезд и проживание"],
                       ["Нормочас работы инженера", "2 700 руб."],
                       ["Пусконаладка станка ЦС, ФР, Р-630 или стружкоотсоса УВП", "9 500 руб."],
                       ["Пусконаладка форматно-раскроечного станка ФРС-3200", "16 000 руб."],
                       ["Пусконаладка станка с ЧПУ ФЧ с обучением оператора (2 дня)", "42 000 руб."],
                       ["Пусконаладка кромкооблицовочного станка EB-320 или EB-450", "38 000 руб."],
                       ["Заточка пилы диаметром до 315 мм", "450 руб."],
                       ["Заточка пилы диаметром больше 315 мм", "650 руб."],
                       ["Заточка комплекта строгальных ножей", "700 руб."]]),
        ]),
        "terms.pdf": ("Условия поставки, доставки, оплаты и возврата", [
            ("h", "Сроки поставки"),
            ("p", "Станки ЦС-250, ЦС-315, ФР-310, ФР-410 и стружкоотсосы УВП обычно есть на складе в Костроме: их "
                  "отгружаем в течение 3 рабочих дней после оплаты. Форматно-раскроечный станок ФРС-3200 и рейсмусовый "
                  "станок Р-630 изготавливаем под заказ за 25 рабочих дней. Фрезерный станок с ЧПУ ФЧ-1325 изготавливаем "
                  "за 30 рабочих дней, ФЧ-2030 — за 45 рабочих дней. Срок изготовления считается со дня поступления "
                  "аванса. Кромкооблицовочные станки EB-320 и EB-450 обычно есть на складе в Костроме; если нужной "
                  "комплектации нет, везём станок с фабрики в Италии, срок поставки — от 10 до 12 недель."),
            ("h", "Доставка"),
            ("p", "Самовывоз со склада в Костроме бесплатный, погрузка вилочным погрузчиком на ваш транспорт тоже "
                  "бесплатно. Доставка по Костроме стоит 3 000 рублей. По Костромской области — 30 рублей за километр "
                  "от завода, но не меньше 5 000 рублей. В другие регионы отправляем транспортными компаниями по их "
                  "тарифам; до терминала транспортной компании в Костроме довозим бесплатно."),
            ("p", "Если сумма заказа от 1 500 000 рублей, доставку в пределах Центрального федерального округа "
                  "оплачиваем мы. Станки ЦС-250, ФР-310 и стружкоотсосы отправляем в деревянной обрешётке бесплатно. "
                  "Для остальных станков транспортные компании требуют жёсткую упаковку — деревянный ящик, он стоит "
                  "6 500 рублей за один станок. Разгрузку на месте обеспечивает покупатель."),
            ("h", "Оплата"),
            ("p", "Станки со склада, инструмент и запасные части оплачиваются полностью, 100 процентов, до отгрузки. "
                  "За станки, которые изготавливаются под заказ, при подписании договора вносится аванс 40 процентов, "
                  "а оставшиеся 60 процентов — перед отгрузкой, после нашего уведомления о готовности. Если "
                  "кромкооблицовочный станок везём из Италии под ваш заказ, аванс — 50 процентов. Частные покупатели "
                  "могут оплатить станок банковской картой в демонстрационном зале. Все цены указаны с НДС 20 %."),
            ("p", "При покупке любого станка вместе со стружкоотсосом УВП на стружкоотсос даётся скидка 10 процентов."),
            ("h", "Возврат"),
            ("p", "Станок со склада, который не подключали и не запускали, можно вернуть в заводской упаковке в течение "
                  "10 дней со дня получения; при возврате удерживаем 8 процентов его цены за проверку и переупаковку. "
                  "Станки, изготовленные под заказ, и кромкооблицовочные станки, привезённые из Италии под заказ "
                  "покупателя, возврату не подлежат. Пилы, ножи и фрезы принимаем обратно только в нераспечатанной "
                  "упаковке. Если станок пришёл повреждённым, отметьте это в транспортной накладной при получении и "
                  "в течение 2 суток сообщите в отдел продаж, приложив фотографии."),
        ]),
    },
    # Written by helper sessions that saw none of the code (2026-11-30, sixth session).
    "tidewell": {
        "service.docx": ("Tidewell service, warranty and TideCare plans", [
            ("h", "Warranty"),
            ("p", "New Tidewell washer-extractors, tumble dryers and flatwork ironers carry a warranty of 2 years on parts "
                  "and labour, counted from the day we install and commission the machine. If the machine is installed by "
                  "someone else, the warranty is 12 months, parts only. On the WX washer-extractors the drum and the main "
                  "bearings are covered for 5 years, parts only. Reconditioned machines carry a warranty of 6 months."),
            ("p", "The warranty does not cover door seals, drive belts, lint filters, ironer roll padding and felts, fuses "
                  "and bulbs, damage from limescale where no water softener is fitted in a hard-water area, damage from "
                  "overdosing chemicals, or a gas machine that was not commissioned by a Gas Safe registered engineer."),
            ("h", "TideCare service plans"),
            ("p", "A TideCare plan covers one machine for 12 months and is renewed every year. Plans are available for "
                  "Tidewell machines of any age and for other makes less than 12 years old. An ironer must be on TideCare "
                  "Plus or TideCare Total, because its padding and felts need checking every 6 months."),
            ("table", [["Plan", "Visits a year", "What is included", "Price per machine per year"],
                       ["TideCare Essential", "1", "A planned service with a safety check, a check of the thermal "
                        "disinfection temperatures and a written report", "£195"],
                       ["TideCare Plus", "2", "As Essential, plus all breakdown repairs, parts and labour (wear parts "
                        "excepted), and an engineer on site within 8 working hours", "£465"],
                       ["TideCare Total", "4", "As Plus, with wear parts and all call-out charges included, an engineer "
                        "within 4 working hours, and a loan machine if yours cannot be fixed within 2 working days", "£890"]]),
            ("h", "Breakdowns"),
            ("p", "Ring the service line on 01632 960455, Monday to Friday from 7:30 to 18:00. On Saturdays from 9:00 to "
                  "12:00 an engineer takes breakdown calls and can come out the same day. Without a TideCare plan, an "
                  "engineer reaches you on the next working day within our own service area."),
            ("table", [["Charge", "Price"],
                       ["Call-out within 40 miles of Tregarrow or Bristol, Monday to Friday", "£95"],
                       ["Call-out further than 40 miles, Monday to Friday", "£135"],
                       ["Labour per hour, Monday to Friday 7:30 to 18:00", "£68"],
                       ["Call-out on weekday evenings and on Saturdays", "£165"],
                       ["Labour per hour, weekday evenings and Saturdays", "£102"],
                       ["Call-out on Sundays and bank holidays", "£210"],
                       ["Labour per hour, Sundays and bank holidays", "£136"],
                       ["Gas safety check and certificate, per gas appliance", "£85"]]),
            ("p", "Labour is charged in half hours after the first hour. Parts are charged at list price."),
        ]),
        "terms.pdf": ("Tidewell Laundry Systems - terms of sale, delivery, rental and lease", [
            ("h", "1. Delivery"),
            ("p", "1.1 Machines in stock are delivered within 5 working days of the order to mainland England and Wales, "
                  "and within 7 working days to mainland Scotland. The WX-35 and the FI-2500 are built to order and "
                  "delivered in 6 to 8 weeks."),
            ("p", "1.2 Delivery is free to mainland Great Britain on orders over £5,000 excluding VAT. Smaller orders are "
                  "charged £75 per machine. Deliveries to the Scottish Highlands, the islands and Northern Ireland are "
                  "quoted separately."),
            ("p", "1.3 Machines are delivered to the kerb by a tail-lift vehicle. Moving the machine into your laundry "
                  "room is part of installation (section 2)."),
            ("p", "1.4 Spare parts ordered by 14:00 on a working day are sent the same day by next-day courier. Carriage "
                  "on parts orders under £100 is £9.50."),
            ("h", "2. Installation"),
            ("p", "2.1 Installation means moving the machine into place, connecting it to the water, drain, power and gas "
                  "supplies you have provided, commissioning it and showing your staff how to use it."),
            ("table", [["Machine", "Installation", "Installation with removal of the old machine"],
                       ["WC-8 compact washer", "£145", "£235"],
                       ["WX washer-extractor", "£295", "£385"],
                       ["Electric tumble dryer (ducting extra)", "£185", "£275"],
                       ["Gas tumble dryer, with Gas Safe commissioning", "£260", "£350"],
                       ["Flatwork ironer", "£540", "£680"]]),
            ("p", "2.2 We take away and recycle old machines of any make under the WEEE regulations. On its own, "
                  "without an installation, removal costs £90 per machine, or £140 for an ironer."),
            ("h", "3. Payment"),
            ("p", "3.1 New customers pay a deposit of 30 percent of the order with the order and the balance before "
                  "delivery. Account customers pay within 30 days of the date of the invoice."),
            ("p", "3.2 We accept bank transfer and card payments; card payments are accepted up to £10,000 with no "
                  "surcharge. Interest on late payment is charged at 8 percent above the Bank of England base rate."),
            ("h", "4. Cancellations and returns"),
            ("p", "4.1 An order for a machine can be cancelled free of charge within 14 days of ordering. After that we "
                  "charge 20 percent of the price of the machine. A machine that has been installed cannot be returned."),
            ("p", "4.2 Spare parts that are unused and in their original packaging can be returned within 28 days of "
                  "delivery, less a restocking charge of 15 percent. Circuit boards, controllers and other electrical "
                  "parts cannot be returned once the packaging is opened."),
            ("h", "5. Rental"),
            ("p", "5.1 Machines are rented by the month, for a minimum of 3 months, and after that from month to month "
                  "with one month's notice. The rent includes the TideCare Plus service plan and all breakdown repairs."),
            ("p", "5.2 A refundable deposit of £500 per machine is paid before installation, together with the first "
                  "month's rent. Installation is charged as in section 2; collection at the end of the rental costs £120 "
                  "per machine."),
            ("h", "6. Lease"),
            ("p", "6.1 New machines can be leased through our finance partner over 3 or 5 years, at a fixed monthly "
                  "payment with TideCare Essential included. At the end of a 5 year lease you may buy the machine for a "
                  "final payment of 1 percent of its list price, or hand it back. Lease payments over 3 years are quoted "
                  "by the rentals team."),
            ("table", [["Machine", "Rental per month (minimum 3 months)", "Lease per month (5 years)"],
                       ["WC-8 compact washer", "£85", "£64"],
                       ["WX-12 washer-extractor", "£189", "£152"],
                       ["WX-18 washer-extractor", "£229", "£184"],
                       ["WX-25 washer-extractor", "£279", "£219"],
                       ["TD-23 electric dryer", "£119", "£89"],
                       ["TD-30 gas dryer", "£149", "£109"],
                       ["FI-2000 ironer", "£349", "£279"]]),
            ("p", "All prices exclude VAT."),
        ]),
    },
    "cairnmoor": {
        "service.docx": ("Cairnmoor Power - warranty and service booklet", [
            ("h", "Warranty"),
            ("p", "New CG generators carry a warranty of 24 months or 2,000 running hours, whichever comes first, on "
                  "parts and labour. LT lighting towers carry a warranty of 24 months; their LED lamp heads are "
                  "warranted for 5 years. On FB fuel bowsers the tank is warranted for 5 years, and the pump, hose "
                  "and nozzle for 12 months. Ex-hire machines carry a warranty of 6 months."),
            ("p", "The warranty does not cover filters, belts, batteries or fuses, damage from dirty or contaminated "
                  "fuel, or engine damage from long running on a very light load (wet stacking). A machine must be "
                  "serviced at the intervals below, by us or by a qualified engineer, with the service recorded, for "
                  "the warranty to stand."),
            ("h", "Service intervals and CairnCare"),
            ("p", "A CG generator needs a service every 500 running hours or every 12 months, whichever comes "
                  "first: oil and filters, coolant and belt checks, a test of the safety shutdowns and a load test. "
                  "LT lighting towers need a service every 1,000 running hours or every 12 months. Fuel bowsers need "
                  "a yearly inspection of the pump, the hose, the nozzle and the outer tank."),
            ("p", "Under a CairnCare plan we do this for you. CairnCare covers one machine for a year and includes "
                  "the yearly service with all oil and filters, a one hour load bank test for generators, and a "
                  "breakdown response within 6 hours, day or night. Machines on CairnCare have their warranty "
                  "extended to 4 years."),
            ("table", [["Machine", "Service interval", "CairnCare, per machine a year"],
                       ["CG-20", "500 hours or 12 months", "£365"],
                       ["CG-30", "500 hours or 12 months", "£395"],
                       ["CG-45", "500 hours or 12 months", "£440"],
                       ["CG-60", "500 hours or 12 months", "£520"],
                       ["CG-100", "500 hours or 12 months", "£640"],
                       ["LT-4 and LT-6", "1,000 hours or 12 months", "£245"],
                       ["LT-6H", "1,000 hours or 12 months", "£275"],
                       ["FB bowsers, all models", "12 months", "£120"]]),
            ("h", "Breakdowns and call-outs"),
            ("p", "The service office, 01632 960330, books repairs and services during office hours. Outside office "
                  "hours, breakdowns go to the 24 hour breakdown line, 0808 157 0386. Without CairnCare, an engineer "
                  "reaches you within 24 hours of your call in the Central Belt and Perthshire, and within 48 hours "
                  "elsewhere on the mainland. A hired machine that breaks down is repaired or swapped at no charge, "
                  "unless the breakdown was caused by misuse, by running out of fuel or by the wrong fuel."),
            ("table", [["Charge", "Price"],
                       ["Call-out, Monday to Friday 7:30 to 17:00", "£95"],
                       ["Each hour on site, weekdays", "£68"],
                       ["Call-out in the evening, at weekends and on public holidays", "£185"],
                       ["Each hour on site out of hours", "£98"],
                       ["Mileage beyond 50 miles from the nearest depot", "£1.20 per mile"],
                       ["Load bank test up to 100 kVA, with report", "£340"]]),
        ]),
        "terms.pdf": ("Cairnmoor Power Ltd - terms of sale and hire", [
            ("h", "1. Delivery of machines bought from us"),
            ("p", "1.1 CG-20 to CG-60 generators, LT lighting towers and FB bowsers are normally held in stock and "
                  "are delivered within 3 working days of the order. The CG-100 is built to order and is delivered "
                  "within 5 weeks."),
            ("p", "1.2 Delivery charges depend on how far the site is from Inverbrae or from our Achnabeith depot, "
                  "whichever is nearer. The same charge applies each way to the delivery and collection of hire "
                  "machines."),
            ("table", [["Zone", "Distance from the nearer depot", "Delivery, per machine"],
                       ["A", "up to 25 miles", "£55"],
                       ["B", "25 to 75 miles", "£110"],
                       ["C", "over 75 miles, mainland Scotland and the north of England", "£195"],
                       ["D", "Scottish islands", "by quotation, ferry fare at cost"]]),
            ("p", "1.3 New machines bought from us are delivered free in zones A and B."),
            ("h", "2. Payment"),
            ("p", "2.1 Customers with a credit account pay within 30 days of the end of the month of the invoice. "
                  "Other customers pay before the machine leaves us."),
            ("p", "2.2 Orders for new machines need a deposit of 20 percent of the price with the order; the balance "
                  "is due before delivery."),
            ("h", "3. Hire"),
            ("p", "3.1 The minimum hire is one week. A hire week is 7 days and a hire month is 28 days. A weekend "
                  "hire, out after 12:00 on a Friday and back by 9:00 on the Monday, is charged at half the weekly "
                  "rate."),
            ("p", "3.2 Hire rates, excluding VAT:"),
            ("table", [["Machine", "Per week", "Per month (28 days)"],
                       ["CG-20 generator", "£165", "£495"],
                       ["CG-30 generator", "£195", "£585"],
                       ["CG-45 generator", "£240", "£720"],
                       ["CG-60 generator", "£285", "£855"],
                       ["CG-100 generator", "£395", "£1,185"],
                       ["LT-4 lighting tower", "£120", "£360"],
                       ["LT-6 lighting tower", "£140", "£420"],
                       ["LT-6H hybrid lighting tower", "£185", "£555"],
                       ["FB-950 bowser", "£75", "£225"],
                       ["FB-2000 bowser", "£95", "£285"]]),
            ("p", "3.3 Customers without a credit account pay a hire deposit of £400 per machine, refunded within "
                  "5 working days of the machine's return in good order."),
            ("p", "3.4 The hirer is responsible for the machine from delivery until it is collected. Our damage "
                  "waiver, at 9 percent of the hire charge, limits the hirer's liability for accidental damage and "
                  "theft to £500 per machine. Without the damage waiver, the hirer must insure the machine for its "
                  "full replacement value."),
            ("p", "3.5 Hire machines go out with a full tank. Fuel used is charged at £1.58 per litre of diesel, or "
                  "£1.96 per litre of HVO, unless the machine comes back full."),
            ("p", "3.6 To end a hire, phone the hire desk by 12:00 on the working day before you want the machine "
                  "collected and note the off-hire number you are given. Hire is charged until that day."),
        ]),
    },
    "dockray": {
        "service.docx": ("Dockray Industrial Doors - service, breakdowns and warranty", [
            ("h", "DockCover service contracts"),
            ("p", "A DockCover contract covers one door, one dock leveller or one shelter for a year. Every planned "
                  "visit includes a full service to BS EN 12635: checking and adjusting the safety edge, photocells "
                  "and light curtains, the springs, motor, brake and controls, lubrication, and a written report for "
                  "your records and your insurer. Doors and levellers of other makes can be taken on after a first "
                  "inspection visit."),
            ("table", [["Contract", "Planned visits a year", "Breakdown response", "Price per door or leveller a year"],
                       ["DockCover Essential", "1", "within 24 hours, working days", "£145"],
                       ["DockCover Plus", "2", "within 8 working hours", "£255"],
                       ["DockCover Total", "4", "within 4 hours, day or night", "£480"]]),
            ("p", "DockCover Plus includes 10 percent off all spare parts. DockCover Total includes all parts and "
                  "labour for breakdown repairs, except damage caused by vehicles or misuse, and comes with its own "
                  "out-of-hours number. DockCover Essential and Plus customers pay no call-out charge, only the hours "
                  "on site at the rates below; DockCover Total customers pay nothing for breakdown visits."),
            ("h", "Breakdown call-outs without a contract"),
            ("p", "Ring the service line on 0113 496 0255, or on Saturday mornings the emergency line on "
                  "0113 496 0299. Without a contract an engineer reaches you within 24 hours of your call on working "
                  "days. If a door is stuck open and your building cannot be secured, tell us: we will make it safe "
                  "the same day wherever we can."),
            ("table", [["Charge", "Price"],
                       ["Call-out Monday to Friday, 7:30 to 17:00, including the first hour on site", "£125"],
                       ["Each further hour on site, weekdays", "£72"],
                       ["Call-out on weekday evenings and Saturdays, including the first hour on site", "£210"],
                       ["Each further hour on site, evenings and Saturdays", "£108"],
                       ["Call-out on Sundays and bank holidays, including the first hour on site", "£260"],
                       ["Mileage beyond 40 miles from Calderbrigg", "£1.10 per mile"]]),
            ("h", "Warranty"),
            ("p", "Doors, dock levellers and shelters supplied and fitted by us carry a warranty of 2 years on parts "
                  "and labour from the date of handover. The motor and drive of an HS high-speed door are warranted "
                  "for 3 years. The hydraulic power pack of a DL or DLT dock leveller is warranted for 5 years, and "
                  "the steel platform and frame for 10 years."),
            ("p", "Goods bought supply only carry a warranty of 12 months on parts only; labour is not included. "
                  "Repairs we carry out are guaranteed for 6 months on the parts we fit."),
            ("p", "The warranty does not cover damage from vehicle impact or misuse, torn curtains, remote control "
                  "batteries, or faults caused by alterations made by others. To keep the warranty, roller shutters "
                  "and sectional doors must be serviced every 12 months, and high-speed doors and dock levellers "
                  "every 6 months, by us or by another competent door engineer, with the service recorded."),
        ]),
        "terms.pdf": ("Dockray Industrial Doors Ltd - terms of supply and installation", [
            ("h", "1. Surveys and quotations"),
            ("p", "1.1 Site surveys are free within 40 miles of Calderbrigg. Beyond 40 miles a survey costs £95, "
                  "which is credited against your order if you go ahead. We book surveys within 5 working days of "
                  "your call."),
            ("p", "1.2 Our quotations are valid for 60 days from the date on the quotation. Fitted prices are based "
                  "on the measurements taken at our survey. For supply-only orders the customer is responsible for "
                  "the measurements given to us."),
            ("h", "2. Lead times"),
            ("p", "2.1 Doors and levellers are made to order. Lead times run from the day we receive your deposit "
                  "and the signed drawing, and are normally:"),
            ("table", [["Product", "Lead time"],
                       ["RS roller shutters", "3 weeks"],
                       ["SD sectional doors", "4 weeks"],
                       ["HS-25 and HS-40 high-speed doors", "6 weeks"],
                       ["HS-30F freezer high-speed door", "8 weeks"],
                       ["DL dock levellers", "5 weeks"],
                       ["DLT-30 telescopic leveller", "7 weeks"],
                       ["CS curtain shelters", "3 weeks"],
                       ["IS-450 inflatable shelter", "6 weeks"]]),
            ("p", "2.2 We will confirm an installation date once the goods are ready. We are not liable for losses "
                  "caused by a delay in delivery."),
            ("h", "3. Installation"),
            ("p", "3.1 The customer must provide clear access to the opening, a clear working area of 3 m in front "
                  "of it, and a power supply with an isolator within 1.5 m of the door: 230 V single-phase for the "
                  "RS-4, RS-6 and SD doors, and 400 V three-phase for the RS-9, all HS doors and all dock levellers."),
            ("p", "3.2 Dock leveller pits must be built to our drawing, and new concrete must have cured for at "
                  "least 14 days before we install."),
            ("p", "3.3 A roller shutter, sectional door or high-speed door normally takes one day to install; a dock "
                  "leveller with its shelter normally takes two days."),
            ("p", "3.4 Installation on a Saturday or Sunday is charged at a surcharge of 35 percent on the fitting "
                  "price. If our engineers cannot start work because the site is not ready, waiting time is charged "
                  "at £72 per engineer per hour."),
            ("h", "4. Payment"),
            ("p", "4.1 A deposit of 40 percent of the order value is payable when you accept our quotation. New "
                  "customers pay the balance on completion of the installation. Customers with a credit account pay "
                  "the balance within 30 days of the date of the invoice."),
            ("p", "4.2 We accept bank transfer, and card payments up to £5,000. Interest on late payment is charged "
                  "at 8 percent above the Bank of England base rate."),
            ("h", "5. Cancellation"),
            ("p", "5.1 An order can be cancelled free of charge within 7 days of placing it. After that, because "
                  "our goods are made to measure, the deposit is kept; once manufacture has started, the full price "
                  "is payable."),
            ("h", "6. Ownership"),
            ("p", "6.1 Goods remain the property of Dockray Industrial Doors Ltd until they have been paid for in "
                  "full."),
        ]),
    },
    "ashgrove": {
        "service.docx": ("Service, Inspection and Training Price Guide 2026/27", [
            ("h", "Service, Inspection and Training Price Guide 2026/27"),
            ("p", "This guide covers work on machines you own, and our operator training courses. "
                  "All prices exclude VAT. For hire machines, servicing and LOLER examinations are "
                  "included in the hire and you do not need to book them."),
            ("h", "Thorough examinations and servicing"),
            ("p", "Under LOLER 1998 a machine used for lifting people must be thoroughly examined "
                  "by a competent person at least every 6 months. We carry out examinations at your "
                  "premises or at our Washington workshop and issue the report the same day. "
                  "The annual service includes one LOLER examination. The Ashgrove Care plan covers "
                  "the annual service, the second six-monthly LOLER, priority booking and 10% off parts."),
            ("table", [
                ["Machine type", "LOLER examination", "Annual service (incl. LOLER)", "Ashgrove Care plan, per year"],
                ["Push-around vertical", "£85", "£165", "£230"],
                ["Electric scissor lift", "£120", "£245", "£340"],
                ["Rough terrain scissor lift", "£150", "£325", "£445"],
                ["Boom lift", "£175", "£395", "£540"],
                ["Mast climber (per mast)", "£240", "£460", "quoted"],
            ]),
            ("h", "Repairs and breakdowns"),
            ("p", "Labour is charged at £62 per hour in our workshop and £68 per hour on site. "
                  "Out of hours (after 5 pm on weekdays, weekends and bank holidays) labour is charged "
                  "at time and a half. Call-out charges: £75 in Zone A, £110 in Zone B and £150 in "
                  "Zone C (zones as in our Terms of Hire and Sale). For hire customers in Zone A we aim "
                  "to have an engineer on site within 4 working hours; for owners' machines, the next "
                  "working day."),
            ("h", "Operator training"),
            ("p", "We are an IPAF-approved training centre. Courses run at our Washington training "
                  "centre every Tuesday and Thursday, or at your own site on request. Courses start at "
                  "8:30 am and one-day courses finish at about 4 pm. Bring photo ID, safety boots and "
                  "a hi-vis vest. Successful operators receive a PAL card, valid for five years."),
            ("table", [
                ["Course", "Length", "Max delegates", "Price per delegate"],
                ["Operator, one category (1a, 1b, 3a or 3b)", "1 day", "4", "£195"],
                ["Operator, two categories (e.g. 3a and 3b)", "1 day", "4", "£245"],
                ["Push-around vertical (PAV)", "Half day", "4", "£125"],
                ["Harness user", "Half day", "8", "£95"],
                ["Demonstrator", "Half day", "6", "£110"],
                ["MEWPs for Managers", "1 day", "8", "£275"],
                ["Mast climber operator", "1 day", "4", "£260"],
            ]),
            ("p", "Courses at your site: £880 per day for up to 4 delegates on the same course, plus "
                  "delivery of the training machine. Cancellations with less than 5 working days' "
                  "notice are charged at 50% of the course fee; delegates who do not turn up are "
                  "charged in full."),
        ]),
        "terms.pdf": ("Terms of Hire and Sale", [
            ("h", "Ashgrove Access Ltd - Terms of Hire and Sale (summary, September 2026)"),
            ("p", "These terms apply to every hire and sale unless agreed otherwise in writing. "
                  "All prices are in pounds sterling and exclude VAT."),
            ("h", "1. Payment"),
            ("p", "Account customers pay within 30 days of the end of the month of invoice. Credit "
                  "account applications take about 3 working days. Other customers pay the hire in "
                  "full by card before delivery, plus a refundable deposit of £250 for push-arounds "
                  "and electric scissors or £1,000 for rough terrain scissors and booms. Deposits are "
                  "refunded within 5 working days of collection. For machine sales a 25% deposit is "
                  "due with the order and the balance before delivery. Late payments carry interest "
                  "at 4% above the Bank of England base rate."),
            ("h", "2. Hire period"),
            ("p", "Hire starts on the day the machine leaves our depot and ends on the day we give "
                  "you an off-hire number. Off-hire calls made before 12 noon are collected the next "
                  "working day. The minimum hire is one day, except mast climbers (4 weeks). A machine "
                  "delivered on a Friday and collected on the following Monday is charged as one day's "
                  "hire. Cancelling less than 24 hours before delivery costs one day's hire."),
            ("h", "3. Delivery and collection"),
            ("p", "Charges are per machine, each way. Orders confirmed by 2 pm are delivered the "
                  "next working day, subject to availability. Delivery slots are AM (7:30 to 12:00) "
                  "or PM (12:00 to 17:00); a timed delivery costs £35 extra. Saturday delivery or "
                  "collection carries a £60 surcharge. Mast climber transport is included in the "
                  "erection quotation."),
            ("table", [
                ["Zone", "Area", "Push-arounds and electric scissors", "RT scissors and booms"],
                ["A", "Tyne and Wear, within 15 miles of our Washington depot", "£45", "£95"],
                ["B", "County Durham, Teesside, Northumberland south of Alnwick", "£65", "£135"],
                ["C", "Northumberland north of Alnwick, North Yorkshire to Thirsk, Cumbria (Carlisle, Penrith), Scottish Borders", "£95", "£185"],
            ]),
            ("h", "4. Damage waiver and insurance"),
            ("p", "Damage waiver costs 12% of the hire charge and limits your liability for accidental "
                  "damage to the first £500 per incident. It does not cover theft, tyre damage, "
                  "overloading or misuse. If you decline it, you must show us proof of hired-in plant "
                  "insurance before delivery."),
            ("h", "5. Sales, warranty and returns"),
            ("table", [
                ["Machine", "New: warranty", "Ex-hire: warranty", "Lead time if not in stock"],
                ["Push-around verticals", "2 years parts and labour", "6 months", "4 to 6 weeks"],
                ["Electric scissor lifts", "2 years parts and labour", "6 months", "4 to 6 weeks"],
                ["RT scissor and boom lifts", "1 year parts and labour, 5 years structural", "3 months", "8 to 10 weeks"],
                ["Mast climbers", "1 year parts and labour", "not sold ex-hire", "10 to 12 weeks"],
            ]),
            ("p", "Machines in stock are delivered in 3 to 5 working days. Batteries on new machines "
                  "are covered for 12 months. Warranty depends on the machine being serviced by us or "
                  "another competent engineer at the stated intervals. An unused new machine in its "
                  "original condition may be returned within 14 days of delivery, subject to a 15% "
                  "restocking charge plus the collection charge. Ex-hire machines cannot be returned "
                  "for a change of mind."),
        ]),
    },
    "quayside": {
        "service.docx": ("Service, Installation & Training Price Guide 2026", [
            ("h", "Service, Installation & Training Price Guide 2026"),
            ("p", "Quayside Warewashing Ltd, Unit 14, Kinsale Road Industrial Estate, Cork. "
                  "Service desk 021 496 3311. All prices are in euro and exclude VAT at 23%. "
                  "Valid from 1 January 2026 until further notice."),
            ("h", "Service contracts"),
            ("p", "Service contracts are per machine, run for 12 months and are invoiced annually "
                  "in advance. Machines on a Quayside rental agreement already include Silver cover."),
            ("table", [
                ["Cover", "Glasswasher or undercounter", "Pass-through (hood)", "Rack conveyor", "What is included"],
                ["Bronze", "€240", "€380", "€720",
                 "One preventive service visit a year; breakdowns charged at standard labour rates"],
                ["Silver", "€420", "€640", "€1,180",
                 "Two service visits a year; breakdown labour included; parts charged less 10%; "
                 "response within 8 working hours"],
                ["Gold", "€690", "€1,150", "€2,050",
                 "Two service visits a year; all parts and labour included; response within "
                 "4 working hours; chemical dosing checks; free staff training"],
            ]),
            ("p", "Guaranteed response times apply in Zone A (Cork city and county) and Zone B "
                  "(the rest of Munster). In Zone C (the rest of the Republic of Ireland) visits "
                  "are made by our partner engineers, normally on the next working day."),
            ("h", "Labour rates for customers without a contract"),
            ("table", [
                ["", "Weekdays 08:00-18:00", "Weekday evenings and Saturdays", "Sundays and bank holidays"],
                ["Call-out, including the first 30 minutes", "€95", "€135", "€165"],
                ["Each further 30 minutes", "€39", "€56", "€68"],
            ]),
            ("p", "Travel supplement per visit: Zone A no charge; Zone B €40; Zone C €85. "
                  "Parts are charged extra at list price."),
            ("h", "Installation"),
            ("p", "Standard installation covers positioning the machine, connecting it to existing "
                  "water, waste and electrical points within 1.5 metres, commissioning, setting up "
                  "chemical dosing and a short handover to your staff. Glasswasher or undercounter "
                  "machine €185; pass-through machine €395 (tabling extra). Rack conveyors are quoted "
                  "after a site survey. Electrical work back to your distribution board must be done "
                  "by your own registered electrician."),
            ("h", "Staff training"),
            ("table", [
                ["Course", "Length", "Price"],
                ["Daily operation and cleaning, on site, up to 6 staff", "1 hour", "€90"],
                ["HACCP and warewashing hygiene, on site, up to 10 staff", "3 hours", "€240"],
                ["Basic fault-finding for maintenance staff, at our Cork premises", "1 day", "€320 per person"],
            ]),
            ("p", "The daily operation course is free with every new machine we install, and free at "
                  "any time for customers on Gold cover."),
            ("h", "Other services"),
            ("table", [
                ["Service", "Price"],
                ["Descale of machine, QuayScale included", "€120"],
                ["Water hardness test with written report", "€45"],
                ["Softener service: resin check, valve clean, salt top-up", "€85"],
                ["RO membrane change, fitting only", "€95"],
            ]),
        ]),
        "terms.pdf": ("Terms of Sale, Delivery and Payment", [
            ("h", "Quayside Warewashing Ltd - Terms of Sale, Delivery and Payment"),
            ("p", "These terms apply to every sale, rental and hire by Quayside Warewashing Ltd, "
                  "Kinsale Road Industrial Estate, Cork, unless we have agreed otherwise in writing. "
                  "Issue 7, March 2026."),
            ("h", "1. Quotations and prices"),
            ("p", "Quotations are valid for 30 days from the date shown. Prices are in euro and "
                  "exclude VAT, which is added at the rate in force on the date of invoice "
                  "(currently 23%)."),
            ("h", "2. Payment"),
            ("p", "Account customers pay within 30 days of the invoice date. New customers pay by "
                  "pro forma invoice before delivery until an account is opened. Rack conveyor "
                  "orders require a deposit of 30% with the order, with the balance due on "
                  "commissioning. We accept bank transfer, direct debit, Visa and Mastercard; we no "
                  "longer accept cheques. Late payments carry interest at the statutory rate under "
                  "the Late Payment in Commercial Transactions Regulations, plus €40 recovery costs."),
            ("h", "3. Delivery"),
            ("table", [
                ["Area", "Machine delivery charge", "Usual delivery time for stock items"],
                ["Munster", "Free", "2 to 3 working days"],
                ["Rest of the Republic of Ireland", "€85 per machine", "3 to 5 working days"],
                ["Northern Ireland, Great Britain and abroad", "Not supplied", "-"],
            ]),
            ("p", "Chemical orders are delivered free when the order is over €150 excluding VAT; "
                  "smaller orders carry a €12.50 delivery charge. Deliveries are made to the ground "
                  "floor at the kerbside unless installation has been ordered. Please check every "
                  "delivery and report any damage within 48 hours."),
            ("h", "4. Lead times for non-stock machines"),
            ("table", [
                ["Model", "Lead time from order"],
                ["QU-600", "2 weeks"],
                ["QP-700, QP-720", "3 weeks"],
                ["QP-750E", "5 weeks"],
                ["QR-1200", "6 weeks"],
                ["QR-1600", "8 weeks"],
            ]),
            ("p", "All other machines, softeners and chemicals are normally held in stock."),
            ("h", "5. Warranty"),
            ("table", [
                ["Product family", "Parts", "Labour"],
                ["Glasswashers and undercounter dishwashers", "2 years", "2 years"],
                ["Pass-through (hood) dishwashers", "3 years", "3 years"],
                ["Rack conveyor dishwashers", "3 years", "1 year"],
                ["Water softeners WS-12, WS-20", "1 year", "1 year"],
                ["Reverse osmosis unit RO-90", "2 years", "1 year"],
            ]),
            ("p", "The warranty runs from the date of installation and must be registered within 30 "
                  "days. It does not cover glass breakage, consumables such as filters and membranes, "
                  "damage from unsuitable chemicals, or scale damage where the incoming water is "
                  "harder than 150 ppm and no Quayside-approved softener is fitted."),
            ("h", "6. Returns and cancellation"),
            ("p", "Unused machines in their original packaging may be returned within 14 days of "
                  "delivery, subject to a 15% restocking fee and the cost of collection. Chemicals "
                  "may be returned unopened within 30 days. Rack conveyors, the QP-750E and any "
                  "special-order item cannot be returned. Orders for stock items can be cancelled "
                  "free of charge before dispatch; the conveyor deposit is not refundable once "
                  "manufacture has begun."),
            ("h", "7. Rental and event hire"),
            ("p", "Rental agreements run for a minimum of 36 months, paid monthly by direct debit, "
                  "with one month's rental taken as a deposit. Event hire is for a minimum of one "
                  "week, paid in advance, with a refundable deposit of €200 per machine."),
            ("h", "8. Ownership"),
            ("p", "Goods remain the property of Quayside Warewashing Ltd until paid for in full. "
                  "Rental and hire equipment remains our property at all times."),
        ]),
    },
    "gidrostal": {
        "servis.docx": ("Сервис и монтаж: прайс на услуги", [
            ("h", "ООО «Гидросталь» — сервис и монтаж"),
            ("p", "Прайс на сервисные услуги действует с 1 сентября 2026 года. Цены указаны в рублях с НДС 22%. "
                  "Работы выполняет сервисная служба «Гидростали» (г. Вологда, ул. Ильюшина, д. 9, "
                  "тел. +7 (8172) 54-31-27, service@gidrostal.ru)."),
            ("h", "Стоимость работ"),
            ("table", [
                ["Услуга", "Цена, руб."],
                ["Выезд инженера в пределах Вологды", "3 500"],
                ["Выезд инженера за пределы Вологды", "3 500 + 38 руб./км от города"],
                ["Диагностика насоса в сервисном центре", "4 200"],
                ["Замена торцевого уплотнения (К-50-32, К-65-50, серия ГС)", "6 900"],
                ["Замена торцевого уплотнения (К-80-50, К-100-80)", "9 800"],
                ["Перемотка электродвигателя мощностью до 5,5 кВт", "12 600"],
                ["Перемотка электродвигателя мощностью от 7,5 до 18,5 кВт", "24 900"],
                ["Монтаж консольного насоса на готовый фундамент, с центровкой", "18 500"],
                ["Пусконаладка станции НСП-210", "26 000"],
                ["Пусконаладка станций НСП-318 и НСП-330", "34 000"],
                ["Сервисный договор на станцию НСП (ТО раз в квартал)", "7 800 в месяц"],
                ["Подменный дренажный насос на время ремонта", "450 в сутки"],
            ]),
            ("p", "Стоимость запчастей в цены работ не входит. Стоимость диагностики засчитывается в стоимость "
                  "ремонта, если ремонт выполняется у нас."),
            ("h", "Сроки ремонта"),
            ("p", "Ремонт в сервисном центре занимает от 5 до 7 рабочих дней при наличии запасных частей. "
                  "Если нужно рабочее колесо, которого нет на складе, срок увеличивается на время его изготовления."),
            ("h", "Выезды в выходные и аварийные вызовы"),
            ("p", "Выезд в выходные и праздничные дни выполняется с коэффициентом 1,5 к стоимости работ. "
                  "Клиенты с сервисным договором вызывают инженера по аварийной линии круглосуточно, "
                  "без доплаты за выезд, и получают подменный дренажный насос бесплатно."),
            ("h", "Гарантийный ремонт"),
            ("p", "В течение гарантийного срока ремонт и замена деталей выполняются бесплатно, если неисправность "
                  "не вызвана нарушением правил эксплуатации (работа всухую, перекос фаз, замерзание воды в корпусе). "
                  "Насос доставляется в сервисный центр за счёт покупателя."),
        ]),
        "usloviya.pdf": ("Условия продажи, поставки и оплаты", [
            ("h", "Условия продажи, поставки и оплаты"),
            ("p", "Настоящие условия действуют с 1 сентября 2026 года и применяются ко всем заказам "
                  "ООО «Гидросталь», если договором не предусмотрено иное."),
            ("h", "1. Оплата"),
            ("p", "Организации оплачивают заказ по счёту на условиях 100% предоплаты. Счёт действителен "
                  "5 банковских дней. Станции НСП оплачиваются в два этапа: 50% — предоплата для запуска в "
                  "производство, оставшиеся 50% — после уведомления о готовности, до отгрузки."),
            ("p", "Организациям, которые работают с нами больше года, по договору предоставляется отсрочка "
                  "платежа до 21 календарного дня с даты отгрузки. За просрочку оплаты начисляется неустойка "
                  "0,1% от суммы долга за каждый день."),
            ("p", "Частные лица оплачивают банковской картой, через СБП или наличными в кассе офиса."),
            ("h", "2. Доставка"),
            ("table", [
                ["Куда", "Стоимость", "Срок"],
                ["Вологда", "бесплатно при заказе от 35 000 руб., иначе 900 руб.", "1–2 рабочих дня"],
                ["Вологодская область", "42 руб. за км от Вологды", "2–3 рабочих дня"],
                ["Ярославская и Архангельская обл., Санкт-Петербург и Ленобласть",
                 "9 500 руб. за рейс (до 1,5 т)", "3–5 рабочих дней"],
                ["Другие регионы России", "по тарифу транспортной компании (ПЭК, Деловые Линии, СДЭК); "
                 "доставка до терминала в Вологде бесплатно", "по срокам транспортной компании"],
            ]),
            ("p", "Самовывоз — со склада по адресу: г. Вологда, ул. Мудрова, д. 31, ворота № 2, в часы работы склада. "
                  "Станции НСП отгружаются только в деревянной обрешётке, её стоимость включена в цену станции."),
            ("h", "3. Приёмка"),
            ("p", "При получении проверьте упаковку и комплектность в присутствии водителя. О повреждениях "
                  "сделайте отметку в транспортной накладной и сообщите нам в течение 2 рабочих дней."),
            ("h", "4. Возврат"),
            ("p", "Частные лица возвращают товар надлежащего качества в порядке, установленном Законом "
                  "«О защите прав потребителей». Организации могут вернуть товар надлежащего качества в "
                  "неповреждённой заводской упаковке по согласованию, в течение 10 календарных дней с даты "
                  "отгрузки; при этом удерживается 15% стоимости на проверку и переупаковку."),
            ("p", "Станции НСП и оборудование в исполнении под заказ (например, ГС-45 на 220 В) изготавливаются "
                  "для конкретного покупателя и возврату не подлежат."),
            ("h", "5. Гарантия"),
            ("table", [
                ["Оборудование", "Гарантийный срок"],
                ["Насосы К-50-32, К-65-50, К-80-50, К-100-80", "24 месяца"],
                ["Насосы ГС-45, ГС-60", "24 месяца"],
                ["Насос ГС-45М", "36 месяцев"],
                ["Дренажные насосы ДП-8, ДП-14, ДП-14Р", "12 месяцев"],
                ["Дренажный насос ДП-27Ч", "18 месяцев"],
                ["Станции НСП с пусконаладкой силами «Гидростали»", "36 месяцев"],
                ["Станции НСП без нашей пусконаладки", "12 месяцев"],
            ]),
            ("p", "Гарантийный срок исчисляется с даты отгрузки со склада."),
        ]),
    },
    "wexcombe": {
        "service.docx": ("Service, LEV Testing and Warranty – Price Guide 2026", [
            ("h", "Service, LEV Testing and Warranty – Price Guide 2026"),
            ("p", "This guide lists our standard charges for LEV testing, filter changes, servicing, "
                  "breakdown call-outs and training, together with the warranty on every machine we sell. "
                  "All prices exclude VAT. Bookings: Service & LEV testing, 01538 402615."),
            ("h", "LEV thorough examination and testing (TExT)"),
            ("p", "Our testers hold the BOHS P601 qualification. On the visit we measure airflow, "
                  "velocity and static pressure at every extraction point, check the fan, ducting and "
                  "filters, and carry out a smoke test of capture at each hood. You receive a written "
                  "report with a red, amber or green result for each point within 5 working days of the visit."),
            ("table", [
                ["LEV testing", "Price (ex VAT)"],
                ["First extraction point", "£185"],
                ["Each additional extraction point, same visit", "£48"],
                ["Re-test after remedial work (per visit)", "£95"],
                ["Extra copy of the report", "£15"],
            ]),
            ("h", "Filter changes and annual servicing"),
            ("p", "An annual service includes a bag or filter change, a check of the fan, motor current, "
                  "seals and hoses, and an airflow reading. Prices below are for labour; filters and bags "
                  "are charged at price-list rates. We service most other makes at the same rates."),
            ("table", [
                ["Machine", "Annual service (labour)", "Typical time on site"],
                ["DX-150 or DX-220", "£145", "1.5 hours"],
                ["DX-220C or DX-400", "£195", "2 hours"],
                ["DX-550S", "£260", "3 hours"],
                ["FU-1000 filter change", "£85", "1 hour"],
                ["VC-30, VC-80 or VC-100T", "£65", "45 minutes"],
                ["VC-50H annual H-class DOP test", "£89", "1 hour"],
            ]),
            ("p", "Breakdown call-out: £75, which includes the first hour on site, then £60 per hour. "
                  "Call-outs are available within 60 miles of Leek."),
            ("h", "Care Plan service contract"),
            ("p", "Customers on a Care Plan have their annual service and LEV test done on the same visit, "
                  "get priority breakdown response within 48 working hours and 10% off all parts. "
                  "There is no extra charge for joining: you simply pay for the annual service by direct debit."),
            ("h", "Warranty"),
            ("table", [
                ["Range", "Warranty", "Covers"],
                ["DX-150, DX-220, DX-220C, DX-400", "2 years", "Parts and labour, return to our workshop"],
                ["DX-550S", "3 years", "Parts and labour, on site"],
                ["FA-200, FA-300, FA-400 arms", "2 years", "Parts"],
                ["FU-1000", "1 year", "Parts and labour, return to our workshop"],
                ["VC-30, VC-50H, VC-80", "1 year", "Parts and labour, return to our workshop"],
                ["VC-100T", "2 years", "Parts and labour, on site"],
            ]),
            ("p", "Warranty runs from the date of delivery. Filters, bags, cartridges, hoses and carbon "
                  "brushes are wear parts and are not covered, nor is damage from misuse or from "
                  "extracting materials the machine was not sold for."),
            ("h", "Training"),
            ("table", [
                ["Course", "Length", "Price (ex VAT)"],
                ["Extraction user training at your site, up to 8 people", "Half day", "£340"],
                ["LEV awareness for supervisors, at our Leek training room", "1 day", "£165 per person"],
            ]),
        ]),
        "terms.pdf": ("Terms of Sale, Hire and Delivery", [
            ("h", "Wexcombe Extraction Ltd – Terms of Sale, Hire and Delivery"),
            ("p", "These terms apply to every sale and hire by Wexcombe Extraction Ltd of Unit 7, "
                  "Barnfields Industrial Estate, Leek, Staffordshire ST13 5RG, unless we agree otherwise in writing."),
            ("h", "1. Quotations and prices"),
            ("p", "Quotations are valid for 30 days. Prices exclude VAT, which is added at the rate in force "
                  "on the date of invoice."),
            ("h", "2. Payment"),
            ("p", "New customers pay in advance by bank transfer or card. Credit accounts are available "
                  "subject to two trade references; account invoices are due 30 days from the end of the month "
                  "of invoice. Overdue accounts are charged statutory interest at 8% above the Bank of England "
                  "base rate. Made-to-order machines (DX-550S) need a 30% deposit with the order."),
            ("h", "3. Delivery"),
            ("table", [
                ["Zone", "Area", "Charge per delivery (ex VAT)"],
                ["A", "Up to 25 miles from Leek", "£30, free on orders over £750"],
                ["B", "25 to 60 miles from Leek", "£55"],
                ["C", "Rest of mainland England, Wales and Scotland (pallet carrier)", "£95"],
                ["D", "Scottish Highlands and islands, Northern Ireland", "Quoted on request"],
            ]),
            ("p", "Stock items ordered by 13:00 are dispatched the same working day for delivery on the next "
                  "working day in Zones A and B; allow 2 to 3 working days in Zone C. Hire deliveries and "
                  "collections are charged at the same rates, each way. Please check goods on arrival and "
                  "report any damage within 48 hours."),
            ("h", "4. Hire"),
            ("p", "The minimum hire is one day. The hirer is responsible for the machine from delivery or "
                  "collection until it is back with us. Without the damage waiver, the hirer pays the full "
                  "cost of repair or replacement."),
            ("table", [
                ["Hire charge", "Amount"],
                ["Deposit per machine (customers without an account)", "£150, refunded on return"],
                ["Damage waiver (optional)", "10% of the hire charge"],
                ["Cleaning charge if returned dirty", "£25"],
                ["H-class vacuum returned without the bag sealed", "£45 decontamination charge"],
                ["Late return", "Each extra day at the daily rate"],
            ]),
            ("h", "5. Returns"),
            ("p", "Unused goods in their original packaging may be returned within 14 days of delivery, "
                  "subject to a restocking fee of 15%. Filters, bags, cartridges, cut ducting and "
                  "made-to-order items, including the DX-550S, cannot be returned. Faulty goods are dealt "
                  "with under our warranty."),
            ("h", "6. Ownership"),
            ("p", "Goods remain our property until paid for in full. Risk passes to you on delivery."),
        ]),
    },
    "upakmash": {
        "servis.docx": ("Сервисные услуги, гарантия и обучение. Прейскурант на 2026 год", [
            ("h", "Гарантийные обязательства"),
            ("p", "Гарантийный срок исчисляется с даты подписания акта пусконаладки, но не "
                  "позднее трёх месяцев с даты отгрузки оборудования со склада в Казани."),
            ("table", [
                ["Оборудование", "Гарантийный срок"],
                ["Фасовочные автоматы УМ-220, УМ-320, УМ-420, УМ-520С", "12 месяцев"],
                ["Скоростной автомат VFS-250", "24 месяца"],
                ["Дозаторы ОД-1, ШД-2, ВД-10, ВД-14", "12 месяцев"],
                ["Термоусадочные туннели ТТ-450, ТТ-600, ТТ-800П", "18 месяцев"],
                ["Запайщики ЗП-400Н, ЗП-600Н, КЗ-900, КЗ-900В", "12 месяцев"],
                ["Этикетировщики ЭМ-60Н, ЭМ-100, ЭМ-200Д", "12 месяцев"],
            ]),
            ("p", "Если пусконаладку фасовочного автомата выполняли не инженеры «Упакмаша», "
                  "гарантия на автомат сокращается до 6 месяцев. Гарантия не распространяется "
                  "на расходные части: нагревательные и тефлоновые ленты, ремни протяжки, ножи."),
            ("h", "Пусконаладка и выезд инженера"),
            ("table", [
                ["Услуга", "Цена, руб. с НДС"],
                ["Пусконаладка ВФУ серии УМ без дозатора или с объёмным/шнековым дозатором", "48 000 за машину"],
                ["Пусконаладка ВФУ с весовым дозатором ВД-10 / ВД-14, а также VFS-250", "72 000 за машину"],
                ["Пусконаладка термоусадочного туннеля", "18 000"],
                ["Пусконаладка этикетировщика ЭМ-100 / ЭМ-200Д", "24 000"],
                ["Работа инженера сверх нормы (ремонт, доработка)", "3 200 за час"],
                ["Суточные инженера за пределами Казани", "2 500 за сутки"],
                ["Проезд и проживание инженера", "по фактическим затратам"],
            ]),
            ("p", "Выезд инженера в пределах Казани бесплатный. Пусконаладка фасовочного "
                  "автомата обычно занимает 2–3 рабочих дня. Запайщики и ЭМ-60Н пусконаладки "
                  "не требуют: их подключает сам покупатель по руководству."),
            ("h", "Плановое техобслуживание"),
            ("table", [
                ["Оборудование", "Разовое ТО, руб.", "Сервисный договор на год, руб."],
                ["ВФУ УМ-220, УМ-320, УМ-420", "22 000", "79 000"],
                ["ВФУ УМ-520С, VFS-250", "28 000", "99 000"],
                ["Термоусадочные туннели", "9 500", "32 000"],
                ["Этикетировщики ЭМ-100, ЭМ-200Д", "12 000", "42 000"],
            ]),
            ("p", "Сервисный договор включает два плановых ТО в год, выезд инженера в течение "
                  "48 часов после заявки и доступ к горячей линии сервиса. Рекомендуемая "
                  "периодичность ТО — раз в 6 месяцев."),
            ("h", "Обучение персонала"),
            ("table", [
                ["Программа", "Длительность", "Цена, руб."],
                ["Оператор ВФУ (группа до 4 человек)", "1 день", "15 000"],
                ["Наладчик ВФУ: смена формата, регулировки, мелкий ремонт", "3 дня", "38 000"],
                ["Оператор этикетировщика", "полдня", "7 500"],
            ]),
            ("p", "Обучение проходит в учебном классе в Казани или на вашем предприятии (тогда "
                  "дополнительно оплачиваются суточные и проезд). Во время пусконаладки "
                  "инструктаж операторов продолжительностью до 2 часов проводится бесплатно."),
            ("h", "Срочный выезд и удалённая помощь"),
            ("p", "Срочный выезд инженера в течение 24 часов по Республике Татарстан — надбавка "
                  "50 % к стоимости работ. Диагностика по видеосвязи: в гарантийный период "
                  "бесплатно, после гарантии — 1 500 руб. за сеанс до 30 минут."),
        ]),
        "usloviya.pdf": ("Условия поставки, оплаты и возврата оборудования", [
            ("h", "1. Общие положения"),
            ("p", "ООО «Упакмаш» поставляет оборудование юридическим лицам и индивидуальным "
                  "предпринимателям по договору поставки. Цены указаны в рублях и включают "
                  "НДС 22 %. Цена фиксируется после поступления предоплаты."),
            ("h", "2. Порядок оплаты"),
            ("table", [
                ["Сумма заказа", "Предоплата", "Остаток"],
                ["до 300 000 руб.", "100 %", "—"],
                ["от 300 000 до 1 500 000 руб.", "50 %", "50 % перед отгрузкой"],
                ["свыше 1 500 000 руб.", "30 %", "40 % по уведомлению о готовности, 30 % перед отгрузкой"],
            ]),
            ("p", "Оплата безналичным переводом по счёту. Отгрузка — в течение 3 рабочих дней "
                  "после поступления полной оплаты."),
            ("h", "3. Лизинг"),
            ("p", "Оборудование можно приобрести в лизинг через наши лизинговые компании-"
                  "партнёры. Аванс — от 10 % стоимости, срок лизинга — от 12 до 36 месяцев, "
                  "минимальная сумма договора — 500 000 руб. Решение по заявке — за 1–3 "
                  "рабочих дня. Для заявки нужны бухгалтерская отчётность за последний год "
                  "и карточка предприятия."),
            ("h", "4. Доставка"),
            ("table", [
                ["Направление", "Условия"],
                ["Самовывоз со склада в Казани", "бесплатно, погрузка нашим погрузчиком"],
                ["Доставка по Казани", "бесплатно при заказе от 100 000 руб., иначе 2 500 руб."],
                ["Республика Татарстан", "45 руб. за км от Казани в одну сторону"],
                ["Другие регионы России и страны СНГ", "до терминала транспортной компании в Казани бесплатно, далее по тарифу ТК за счёт покупателя"],
                ["Жёсткая обрешётка для отправки ТК", "ВФУ — 12 000 руб., прочее оборудование — 3 500 руб."],
            ]),
            ("h", "5. Хранение и приёмка"),
            ("p", "После уведомления о готовности оборудование хранится на нашем складе "
                  "бесплатно 10 рабочих дней, далее — 500 руб. в сутки за единицу. Претензии по "
                  "комплектности и внешнему виду принимаются в течение 5 рабочих дней с даты "
                  "получения."),
            ("h", "6. Возврат"),
            ("p", "Оборудование надлежащего качества можно вернуть в течение 14 календарных "
                  "дней с даты получения, если оно не вводилось в эксплуатацию и сохранены "
                  "заводская упаковка и комплектность. При возврате удерживается 10 % "
                  "стоимости на проверку и повторную подготовку, доставка обратно — за счёт "
                  "покупателя. Оборудование, изготовленное или доработанное под заказ, "
                  "возврату не подлежит."),
        ]),
    },
    "harwood": {
        "service.docx": ("Harwood Garage Equipment - Service, Inspection and Hire", [
            ("h", "Looking after your equipment"),
            ("p", "Our service department, run by Craig Ellison, keeps around 1,900 lifts and a great many tyre "
                  "changers, balancers and compressors working safely in garages across the North of England. "
                  "We service all makes, not only the equipment we have supplied. To book an inspection, a service "
                  "or an engineer, ring the service desk on 01226 743 225 or e-mail service@harwood-ge.co.uk."),
            ("h", "LOLER thorough examinations"),
            ("p", "A vehicle lift is lifting equipment under the Lifting Operations and Lifting Equipment "
                  "Regulations 1998 (LOLER). Because people work underneath a raised vehicle, the law requires "
                  "every vehicle lift to be thoroughly examined by a competent person at least every 6 months. "
                  "Your insurer will normally ask to see the latest report."),
            ("p", "A LOLER thorough examination costs £68 per lift. Further lifts examined at the same site on the "
                  "same visit are £48 each. The examination includes a load test where appropriate, checks of "
                  "cables, chains, arm locks, safety catches and anchors, and a written report e-mailed to you "
                  "within 24 hours. If we find a defect that makes the lift dangerous we are obliged to report it "
                  "and to advise you to take the lift out of use until it is repaired."),
            ("h", "Servicing"),
            ("p", "LOLER only checks that a lift is safe on the day. Regular servicing keeps it that way and stops "
                  "small problems turning into breakdowns. We recommend one service a year for each item, and "
                  "we can do it on the same visit as a LOLER examination. Our service prices, per item, are: "
                  "two-post lift £115; four-post lift £140; scissor lift £130; tyre changer £75; wheel balancer "
                  "service and calibration £65; wheel alignment system calibration £180; piston compressor £95; "
                  "screw compressor £165. Parts are charged extra."),
            ("h", "Service contracts"),
            ("p", "Most of our customers prefer a contract, so the inspections are booked automatically and never "
                  "missed. Contract prices are per lift, per year, payable in advance."),
            ("p", "Essential – £130 per lift per year: two LOLER thorough examinations a year and reminder service."),
            ("p", "Standard – £235 per lift per year: two LOLER examinations, one full service a year, and 10% off "
                  "all parts. Breakdown response within one working day."),
            ("p", "Premium – £395 per lift per year: two LOLER examinations, two services a year, all breakdown "
                  "labour included, and a guaranteed response within 4 working hours of your call. Premium "
                  "customers also get an out-of-hours mobile number for emergencies."),
            ("h", "Breakdowns and repairs"),
            ("p", "If you do not have a contract, a breakdown call-out costs £89, which includes the first hour on "
                  "site, and then £62 per hour after that, plus parts. We aim to attend the next working day. "
                  "These rates apply within 50 miles of Barnsley; further afield we add mileage at 95p per mile "
                  "for every mile over 50. Our vans carry the common parts for the lifts we sell, so most faults "
                  "are fixed on the first visit."),
            ("h", "Equipment hire"),
            ("p", "Short of a lift for a busy spell, waiting for your new equipment, or trying something before you "
                  "buy? We hire out the SL-30 mobile scissor lift, the TC-24 tyre changer, the WB-220 balancer and "
                  "the AC-150 compressor. Ring the hire desk on 01226 743 240."),
            ("table", [
                ["Item", "Per day", "Per week", "Per month"],
                ["SL-30 mobile scissor lift, 3 t", "-", "£120", "£360"],
                ["TC-24 tyre changer", "-", "£65", "£195"],
                ["WB-220 wheel balancer", "-", "£55", "£165"],
                ["AC-150 compressor, 150 l", "£25", "£70", "£180"],
            ]),
            ("p", "Hire rates are ex VAT. The minimum hire is one week, except the compressor, which can be hired "
                  "by the day. A refundable deposit of £300 per item is taken before the equipment goes out and "
                  "returned when it comes back clean and undamaged. Delivery and collection is £45 each way within "
                  "30 miles of Barnsley, or you can collect from us free of charge. You must have workshop "
                  "insurance that covers hired-in equipment. If you decide to buy the same item within three "
                  "months, we knock the first month's hire off the price."),
        ]),
        "terms.pdf": ("Harwood Garage Equipment Ltd - Terms of Sale", [
            ("h", "1. Prices and quotations"),
            ("p", "All prices are in pounds sterling and exclude VAT, which is added at the current rate. "
                  "Written quotations are valid for 30 days from the date on the quotation. Prices for supply-only "
                  "goods exclude carriage, which is charged as set out in section 4."),
            ("h", "2. Orders and deposits"),
            ("p", "Orders can be placed in writing, by e-mail or by signing our quotation. For any order over "
                  "£2,500 (ex VAT) we take a deposit of 25% of the order value when the order is placed. The "
                  "balance is due on completion of the installation or, for supply-only goods, before despatch. "
                  "Deposits on made-to-order items, which are the SX-35 scissor lift, the WA-3D alignment system "
                  "and complete MOT bays, are not refundable once the item has been ordered from the factory."),
            ("h", "3. Payment"),
            ("p", "We accept payment by bank transfer (BACS) and by Visa or Mastercard. We no longer accept "
                  "cheques. Credit accounts are available to established garages, subject to references; "
                  "account invoices are payable within 30 days of the end of the month of invoice. We reserve "
                  "the right to charge interest on late payments under the Late Payment of Commercial Debts "
                  "(Interest) Act 1998. Equipment remains our property until it has been paid for in full."),
            ("h", "4. Delivery and carriage"),
            ("p", "Lead times are given at the time of order and are estimates. Deliveries are made on weekdays. "
                  "For supply-only goods, carriage is charged per consignment as follows:"),
            ("table", [
                ["Delivery area", "Carriage per consignment"],
                ["Within 25 miles of Barnsley", "Free"],
                ["Rest of England and Wales", "£95"],
                ["Mainland Scotland", "£175"],
                ["Scottish Highlands and islands, Northern Ireland", "Quoted on request"],
            ]),
            ("p", "Supply-only lifts and brake testers are delivered on a tail-lift lorry to ground level; you "
                  "must have the people and equipment to move them from there. If you need a crane (HIAB) "
                  "delivery, it is charged at £140 extra. Please check goods on arrival and report any damage or "
                  "shortage within 3 working days."),
            ("h", "5. Returns and cancellations"),
            ("p", "Unused goods in their original packaging may be returned within 14 days of delivery. A "
                  "restocking charge of 15% of the price is deducted from the refund, and the customer pays the "
                  "return carriage. We cannot accept the return of lifts or other equipment once installed, "
                  "made-to-order items, or parts that have been fitted. If you cancel an order for a standard "
                  "item before it is delivered, we keep 10% of the order value to cover our costs."),
            ("h", "6. Warranty"),
            ("p", "Our warranty covers defects in materials and workmanship from the date of installation "
                  "(or the date of delivery for supply-only goods), as follows:"),
            ("table", [
                ["Equipment", "Warranty"],
                ["Two-post and four-post lifts", "2 years parts and labour; 5 years on the columns and structure"],
                ["Scissor lifts", "2 years parts and labour"],
                ["Roller brake testers", "2 years parts and labour"],
                ["Tyre changers and wheel balancers", "12 months parts and labour"],
                ["Wheel alignment systems", "2 years parts and labour"],
                ["Piston compressors", "12 months parts and labour"],
                ["Screw compressors", "2 years parts and labour; 5 years on the airend if serviced by us"],
                ["Reconditioned lifts", "6 months parts and labour"],
            ]),
            ("p", "Labour under warranty is free within 50 miles of Barnsley; beyond that, mileage is charged at "
                  "our normal service rate. The warranty does not cover wear parts such as rubber pads, tyre "
                  "changer jaws and mount heads, damage from misuse or overloading, or lifts that have not had "
                  "their LOLER thorough examinations carried out on time. Supply-only goods installed by someone "
                  "other than Harwood carry a parts-only warranty."),
            ("h", "7. Law"),
            ("p", "These terms are governed by the law of England and Wales. Harwood Garage Equipment Ltd, Unit 7, "
                  "Dearne Valley Trade Park, Wombwell Lane, Barnsley S73 8HN. Company number 02611457."),
        ]),
    },
    "nivagro": {
        "servis.docx": ("Сервисное обслуживание, шеф-монтаж и обучение", [
            ("h", "Сервисная служба"),
            ("p", "Сервисная служба «Нива-Агромаш» обслуживает всё оборудование нашего производства: зерносушилки, "
                  "нории, транспортёры, сепараторы и бункеры. В штате службы 19 сервисных инженеров и 7 выездных бригад "
                  "на собственных автомобилях со сварочным и монтажным инструментом. Заявки принимаются по телефону "
                  "+7 (473) 260-48-30 и по почте service@niva-agromash.ru."),
            ("p", "В сезон уборки инженер выезжает к вам не позднее 24 часов после заявки, если объект находится в пределах "
                  "300 км от Воронежа, и не позднее 48 часов для более удалённых объектов. Вне сезона сроки выезда "
                  "согласуются с диспетчером."),
            ("h", "Шеф-монтаж"),
            ("p", "Монтаж оборудования выполняет покупатель своими силами или силами подрядной организации. Наш инженер "
                  "на шеф-монтаже руководит работами, проверяет фундамент и анкерные болты, правильность сборки модулей "
                  "шахты, соосность приводов нории и натяжение ленты, подписывает акт о готовности к пуску. Шеф-монтаж "
                  "сушилки СЗ-10 обычно занимает 8–10 рабочих дней, сушилки СЗК-40 — до 20 рабочих дней."),
            ("p", "Для шеф-монтажа покупатель обеспечивает автокран, монтажную бригаду, электропитание на площадке, "
                  "а также проживание и питание инженера."),
            ("h", "Пусконаладка"),
            ("p", "Пусконаладочные работы на сушилках выполняются только нашими специалистами: настройка горелки, "
                  "шкафа управления «Агромаш-Контроль», режимов сушки и охлаждения, пробная сушка партии зерна. "
                  "По итогам составляется акт ввода в эксплуатацию."),
            ("h", "Обучение операторов"),
            ("p", "Обучение проходит на вашем объекте во время пусконаладки или в учебном классе на заводе. Курс длится "
                  "два дня, в группе до 4 человек. Операторы учатся выставлять режимы, следить за температурой зерна, "
                  "чистить сушилку и действовать при аварийной остановке. Каждому выдаётся удостоверение."),
            ("h", "Стоимость услуг"),
            ("table", [
                ["Услуга", "Единица", "Цена, руб. с НДС"],
                ["Шеф-монтаж зерносушилки СЗМ-8", "комплекс", "64 000"],
                ["Шеф-монтаж зерносушилки СЗ-10 или СЗ-16", "комплекс", "148 000"],
                ["Шеф-монтаж зерносушилки СЗ-25 или СЗК-40", "комплекс", "216 000"],
                ["Шеф-монтаж нории (любой модели)", "комплекс", "42 000"],
                ["Пусконаладка зерносушилки (любой модели)", "комплекс", "86 000"],
                ["Обучение операторов (2 дня, до 4 человек)", "группа", "31 000"],
                ["Предсезонное техническое обслуживание сушилки", "визит", "47 000"],
                ["Выезд инженера далее 150 км от Воронежа", "км пути", "42"],
            ]),
            ("h", "Сервисный договор"),
            ("p", "Для постоянных клиентов действует годовой сервисный договор: два плановых визита (до и после сезона), "
                  "приоритетный выезд по аварийным заявкам и скидка 10 % на запасные части. Стоимость договора "
                  "рассчитывается по составу оборудования на объекте."),
        ]),
        "usloviya.pdf": ("Условия поставки, оплаты и гарантии", [
            ("h", "Оплата"),
            ("p", "Расчёты производятся только в безналичной форме, по счёту или договору поставки. Цены указываются "
                  "в рублях с НДС 22 %."),
            ("p", "Зерносушилки: предоплата 50 % при заключении договора, 40 % — по уведомлению о готовности к отгрузке, "
                  "оставшиеся 10 % — после подписания акта пусконаладки."),
            ("p", "Нории, транспортёры, сепараторы, бункеры: предоплата 70 %, оставшиеся 30 % — перед отгрузкой. "
                  "Запасные части отгружаются после 100 % оплаты."),
            ("p", "Срок изготовления отсчитывается со дня поступления предоплаты на наш расчётный счёт."),
            ("h", "Доставка"),
            ("p", "Оборудование можно забрать самовывозом со склада завода в Воронеже. Погрузка на транспорт покупателя "
                  "бесплатная."),
            ("p", "Доставку нашим транспортом по Воронежу и Воронежской области выполняем бесплатно, если сумма заказа "
                  "от 1 500 000 руб. В остальных случаях доставка нашим транспортом стоит 85 руб. за километр пути от завода "
                  "до объекта. Шахтные сушилки перевозятся разобранными на модули, обычно на 2–4 автомобилях."),
            ("p", "В другие регионы доставку организуем также транспортными компаниями, стоимость по тарифам перевозчика."),
            ("table", [
                ["Куда", "Ориентировочный срок в пути"],
                ["Воронежская область", "1–2 дня"],
                ["Центральный федеральный округ", "2–4 дня"],
                ["Юг России и Поволжье", "3–5 дней"],
                ["Урал и Сибирь", "7–12 дней"],
            ]),
            ("h", "Гарантия"),
            ("p", "Гарантийный срок на зерносушилки — 24 месяца. На нории, транспортёры, сепараторы и бункеры — 18 месяцев. "
                  "На покупные комплектующие (электродвигатели, мотор-редукторы, горелки) действует гарантия их "
                  "производителя, но не менее 12 месяцев."),
            ("p", "Гарантийный срок исчисляется с даты подписания акта пусконаладки, но не может превышать 30 месяцев "
                  "с даты отгрузки. Гарантия на сушилку сохраняется при условии, что пусконаладку выполнили специалисты "
                  "«Нива-Агромаш», а предсезонное обслуживание проводится ежегодно."),
            ("p", "Гарантия не распространяется на износ ковшей, скребков, ленты и решёт, а также на повреждения из-за "
                  "попадания в оборудование посторонних предметов."),
            ("h", "Возврат"),
            ("p", "Серийное оборудование надлежащего качества можно вернуть в течение 14 дней с момента получения, если "
                  "оно не монтировалось и сохранило товарный вид. Расходы на обратную доставку несёт покупатель. "
                  "Оборудование, изготовленное по индивидуальному заказу (нестандартная высота нории, длина транспортёра, "
                  "дополнительная комплектация), возврату не подлежит."),
        ]),
    },
}


def write_docx(path: Path, title: str, blocks: list[Block]) -> None:
    import docx

    doc = docx.Document()
    doc.core_properties.title = title
    doc.core_properties.author = "eval"
    doc.core_properties.created = DATE.replace(tzinfo=None)
    doc.core_properties.modified = DATE.replace(tzinfo=None)
    doc.core_properties.last_modified_by = "eval"
    doc.core_properties.revision = 1
    doc.add_heading(title, level=1)
    for kind, content in blocks:
        if kind == "h":
            doc.add_heading(str(content), level=2)
        elif kind == "p":
            doc.add_paragraph(str(content))
        else:
            rows = list(content)  # type: ignore[call-overload]
            table = doc.add_table(rows=len(rows), cols=len(rows[0]))
            table.style = "Table Grid"
            for r, row in enumerate(rows):
                for c, cell in enumerate(row):
                    table.cell(r, c).text = cell
    doc.save(str(path))


#: Where DejaVu Sans may be (Debian/Ubuntu, Fedora, Arch, macOS with it installed).
_DEJAVU_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu-sans-fonts",
                "/usr/share/fonts/TTF", "/Library/Fonts")


def _unicode_font(pdf: Any) -> str:
    """Register DejaVu Sans (regular and bold) with ``pdf`` for Cyrillic text; its family name."""
    for folder in map(Path, _DEJAVU_DIRS):
        regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            pdf.add_font("DejaVu", "", str(regular))
            pdf.add_font("DejaVu", "B", str(bold))
            return "DejaVu"
    raise SystemExit(f"a PDF with Cyrillic text needs DejaVu Sans (DejaVuSans.ttf), not found in {', '.join(_DEJAVU_DIRS)}")


def _is_latin1(title: str, blocks: list[Block]) -> bool:
    text = title + "".join(str(c) for _, c in blocks)
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True


def write_pdf(path: Path, title: str, blocks: list[Block]) -> None:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_creation_date(DATE)
    pdf.set_title(title)
    pdf.set_author("eval")
    font = "Helvetica" if _is_latin1(title, blocks) else _unicode_font(pdf)
    pdf.add_page()
    pdf.set_font(font, "B", 16)
    pdf.multi_cell(0, 9, title, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    for kind, content in blocks:
        if kind == "h":
            pdf.set_font(font, "B", 12)
            pdf.multi_cell(0, 7, str(content), new_x="LMARGIN", new_y="NEXT")
        elif kind == "p":
            pdf.set_font(font, "", 11)
            pdf.multi_cell(0, 6, str(content), new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
        else:
            pdf.set_font(font, "", 10)
            with pdf.table() as table:
                for row in content:  # type: ignore[attr-defined]
                    cells = table.row()
                    for cell in row:
                        cells.cell(cell)
            pdf.ln(3)
    pdf.output(str(path))


def main(argv: list[str] | None = None) -> None:
    """Write the documents of the knowledge bases named in ``argv`` (none named: all)."""
    names = list(sys.argv[1:] if argv is None else argv) or list(DOCS)
    unknown = [n for n in names if n not in DOCS]
    if unknown:
        raise SystemExit(f"unknown knowledge base(s) {', '.join(unknown)}; known: {', '.join(DOCS)}")
    for kb in names:
        docs = DOCS[kb]
        for name, (title, blocks) in docs.items():
            path = KBS / kb / name
            path.parent.mkdir(parents=True, exist_ok=True)
            (write_docx if name.endswith(".docx") else write_pdf)(path, title, blocks)
            print(f"wrote {path.relative_to(KBS.parent)}")


if __name__ == "__main__":
    main()
